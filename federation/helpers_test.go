package federation_test

import (
	"bytes"
	"io"

	"github.com/coopol/coopol/social"
)

func ioNopCloser(b []byte) io.ReadCloser { return io.NopCloser(bytes.NewReader(b)) }

func socialStatus(text, visibility string) social.NewStatus {
	return social.NewStatus{Text: text, Visibility: visibility}
}
