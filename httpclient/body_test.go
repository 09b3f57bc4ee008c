package httpclient

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// failReader fails the test if anything reads it.
type failReader struct{ t *testing.T }

func (r failReader) Read([]byte) (int, error) {
	r.t.Error("body was read although Content-Length already exceeded the limit")
	return 0, io.EOF
}

func response(body io.Reader, contentLength int64) *http.Response {
	return &http.Response{Body: io.NopCloser(body), ContentLength: contentLength}
}

// covers N-04
func TestReadLimited_N04_ContentLengthOverLimit(t *testing.T) {
	_, err := ReadLimited(response(failReader{t}, 100), 10)
	requireErrorIs(t, err, ErrBodyTooLarge)
}

// covers N-04
func TestReadLimited_N04_NoContentLengthOverLimit(t *testing.T) {
	_, err := ReadLimited(response(strings.NewReader("0123456789X"), -1), 10)
	requireErrorIs(t, err, ErrBodyTooLarge)
}

// covers N-04: a Content-Length that lies low does not help.
func TestReadLimited_N04_LyingContentLength(t *testing.T) {
	_, err := ReadLimited(response(strings.NewReader(strings.Repeat("a", 20)), 5), 10)
	requireErrorIs(t, err, ErrBodyTooLarge)
}

// covers N-04
func TestReadLimited_N04_WithinLimit(t *testing.T) {
	cases := []struct {
		body          string
		contentLength int64
		limit         int64
	}{
		{"0123456789", 10, 10}, // exactly the limit
		{"abc", -1, 10},
		{"", 0, 0},
	}
	for _, tc := range cases {
		got, err := ReadLimited(response(strings.NewReader(tc.body), tc.contentLength), tc.limit)
		requireNoError(t, err, tc)
		if string(got) != tc.body {
			t.Errorf("ReadLimited = %q, want %q", got, tc.body)
		}
	}
}

func TestReadLimited_BadInput(t *testing.T) {
	if _, err := ReadLimited(nil, 10); err == nil {
		t.Error("nil response: want error")
	}
	if _, err := ReadLimited(&http.Response{}, 10); err == nil {
		t.Error("nil body: want error")
	}
	if _, err := ReadLimited(response(strings.NewReader("x"), 1), -1); err == nil {
		t.Error("negative limit: want error")
	}
}

// covers N-04 over a real loopback connection, with and without
// Content-Length.
func TestReadLimited_N04_RealResponses(t *testing.T) {
	big := strings.Repeat("x", 4096)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/chunked" {
			// Flushing before the body is complete forces chunked
			// encoding, i.e. no Content-Length.
			io.WriteString(w, big[:100])
			w.(http.Flusher).Flush()
			io.WriteString(w, big[100:])
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(big)))
		io.WriteString(w, big)
	}))
	defer srv.Close()

	c := newTestClient(t, Config{AllowedPrivate: loopbackOnly})

	for path, wantLength := range map[string]int64{"/sized": int64(len(big)), "/chunked": -1} {
		req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		requireNoError(t, err)
		resp, err := c.Do(req)
		requireNoError(t, err, path)
		if resp.ContentLength != wantLength {
			t.Errorf("%s: ContentLength = %d, want %d", path, resp.ContentLength, wantLength)
		}
		_, err = ReadLimited(resp, 1024)
		resp.Body.Close()
		requireErrorIs(t, err, ErrBodyTooLarge, path)
	}
}

//
func TestIsActivityPubContentType_A02(t *testing.T) {
	cases := []struct {
		ct   string
		want bool
	}{
		{"application/activity+json", true},
		{"application/activity+json; charset=utf-8", true},
		{"Application/Activity+JSON", true},
		{`application/ld+json; profile="https://www.w3.org/ns/activitystreams"`, true},
		{`application/ld+json; charset=utf-8; profile="https://www.w3.org/ns/activitystreams"`, true},
		{`application/ld+json; profile="https://www.w3.org/ns/activitystreams http://www.w3.org/ns/json-ld#compacted"`, true},
		{"application/ld+json", false},
		{`application/ld+json; profile="https://example.com/other"`, false},
		{`application/ld+json; profile="https://www.w3.org/ns/activitystreams.evil"`, false},
		{"application/json", false},
		{`application/json; profile="https://www.w3.org/ns/activitystreams"`, false},
		{"text/html", false},
		{"text/html; charset=utf-8", false},
		{"application/activity+json; charset", false}, // malformed parameter
		{"", false},
		{"application/activity+jsonx", false},
	}
	for _, tc := range cases {
		if got := IsActivityPubContentType(tc.ct); got != tc.want {
			t.Errorf("IsActivityPubContentType(%q) = %v, want %v", tc.ct, got, tc.want)
		}
	}
}
