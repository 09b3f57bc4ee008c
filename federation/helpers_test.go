package federation_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"

	"github.com/coopol/coopol/social"
)

func ioNopCloser(b []byte) io.ReadCloser { return io.NopCloser(bytes.NewReader(b)) }

func socialStatus(text, visibility string) social.NewStatus {
	return social.NewStatus{Text: text, Visibility: visibility}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func decodeBody(r *http.Request, v any) {
	json.NewDecoder(r.Body).Decode(v) //nolint:errcheck
}
