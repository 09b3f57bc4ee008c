package httpclient

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// ErrBodyTooLarge is returned (wrapped) by ReadLimited when a response body
// is larger than the caller's limit.
var ErrBodyTooLarge = errors.New("httpclient: response body too large")

// Common body limits (N-04). Callers pick the one matching what they fetch.
const (
	// LimitJSON bounds ActivityPub documents, WebFinger and NodeInfo
	// responses (Mastodon's body_with_limit uses 1 MiB as well).
	LimitJSON int64 = 1 << 20
)

// ReadLimited reads the whole response body, refusing bodies larger than
// limit bytes (N-04). A declared Content-Length above the limit is refused
// before anything is read; otherwise at most limit+1 bytes are read, so a
// lying or missing Content-Length cannot make us buffer more than that.
//
// ReadLimited does not close the body; the caller still does that, as with
// any *http.Response.
func ReadLimited(resp *http.Response, limit int64) ([]byte, error) {
	if resp == nil || resp.Body == nil {
		return nil, errors.New("httpclient: read body: no response body")
	}
	if limit < 0 {
		return nil, fmt.Errorf("httpclient: read body: negative limit %d", limit)
	}
	if resp.ContentLength > limit {
		return nil, fmt.Errorf("%w: Content-Length %d exceeds limit %d", ErrBodyTooLarge, resp.ContentLength, limit)
	}

	// Reading one byte past the limit tells "exactly limit" apart from
	// "more than limit" without a second read.
	readMax := limit + 1
	if readMax < 0 { // limit == math.MaxInt64
		readMax = limit
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, readMax))
	if err != nil {
		return nil, fmt.Errorf("httpclient: read body: %w", err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrBodyTooLarge, limit)
	}
	return body, nil
}

// activityStreamsProfile is the JSON-LD profile that marks an
// application/ld+json document as ActivityStreams.
const activityStreamsProfile = "https://www.w3.org/ns/activitystreams"

// IsActivityPubContentType reports whether a Content-Type header value names
// an ActivityPub document: application/activity+json, or application/ld+json
// with the ActivityStreams profile. Parameters such as charset are
// allowed. Anything else, including plain application/json, is refused: a
// JSON file a user uploaded to some other server must never be taken for an
// actor or an activity.
func IsActivityPubContentType(ct string) bool {
	mediaType, params, err := mime.ParseMediaType(ct)
	if err != nil {
		// Includes malformed parameters; a server that cannot produce a
		// valid header gets no benefit of the doubt.
		return false
	}
	switch mediaType {
	case "application/activity+json":
		return true
	case "application/ld+json":
		// JSON-LD allows a space-separated list of profile URIs.
		for _, p := range strings.Fields(params["profile"]) {
			if p == activityStreamsProfile {
				return true
			}
		}
	}
	return false
}
