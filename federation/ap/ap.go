// Package ap converts between Coopol's models and ActivityStreams 2.0 as
// real peers send and expect it (Mastodon, GoToSocial, Mobilizon, Lemmy,
// other Coopol sections). Outgoing documents are built with the typed
// go-fed/GtS `streams` vocabulary; terms it does not know (Mobilizon,
// FEP-8a8e, Coopol's own) are added as unknown properties with their
// @context entries. Incoming JSON is classified by `streams.ToType` (so it
// is well-formed AS2) and read through the lenient accessors in read.go,
// because peers write the same property as a string, an object or a list.
package ap

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/superseriousbusiness/activity/streams"
	"github.com/superseriousbusiness/activity/streams/vocab"
)

const (
	// Public is the special collection meaning "everyone".
	Public = "https://www.w3.org/ns/activitystreams#Public"

	ContentType     = "application/activity+json"
	LDContentType   = `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`
	asContext       = "https://www.w3.org/ns/activitystreams"
	securityContext = "https://w3id.org/security/v1"
	// CoopolNS is our own vocabulary (members collections, field-action
	// needs). Open point 2 of federation-interop.md.
	CoopolNS = "https://coopol.org/ns#"
)

// IsPublic reports whether an addressing list contains the public
// collection in any of its spellings.
func IsPublic(iris []string) bool {
	for _, s := range iris {
		if s == Public || s == "as:Public" || s == "Public" {
			return true
		}
	}
	return false
}

// Document is a serialised AS2 document, ready to be written or signed.
type Document map[string]any

// JSON encodes the document.
func (d Document) JSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // content is HTML; keep it readable on the wire
	if err := enc.Encode(d); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// serialize turns a typed value into a document, merging the extra
// context terms the caller needs (for unknown properties).
func serialize(t vocab.Type, extraContext map[string]any) (Document, error) {
	m, err := streams.Serialize(t)
	if err != nil {
		return nil, fmt.Errorf("serialize %s: %w", t.GetTypeName(), err)
	}
	if len(extraContext) > 0 {
		m["@context"] = mergeContext(m["@context"], extraContext)
	}
	return Document(m), nil
}

// mergeContext appends terms to the inline object of an @context, adding
// one if there is none.
func mergeContext(ctx any, extra map[string]any) any {
	var list []any
	switch c := ctx.(type) {
	case []any:
		list = c
	case string:
		list = []any{c}
	case map[string]any:
		list = []any{c}
	}
	for _, item := range list {
		if inline, ok := item.(map[string]any); ok {
			for k, v := range extra {
				if _, exists := inline[k]; !exists {
					inline[k] = v
				}
			}
			return list
		}
	}
	inline := map[string]any{}
	for k, v := range extra {
		inline[k] = v
	}
	return append(list, inline)
}

// ToType classifies a decoded JSON object as an AS2 type. Unknown types
// are an error: we never act on what we cannot name.
func ToType(ctx context.Context, m map[string]any) (vocab.Type, error) {
	t, err := streams.ToType(ctx, m)
	if err != nil {
		if errors.Is(err, streams.ErrUnhandledType) || errors.Is(err, streams.ErrNoCallbackMatch) {
			return nil, fmt.Errorf("unsupported ActivityStreams type %v", m["type"])
		}
		return nil, fmt.Errorf("not valid ActivityStreams: %w", err)
	}
	return t, nil
}

func mustIRI(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		// Only our own, already-valid URLs reach the builders.
		return &url.URL{Opaque: s}
	}
	return u
}

func idProperty(s string) vocab.JSONLDIdProperty {
	p := streams.NewJSONLDIdProperty()
	p.Set(mustIRI(s))
	return p
}

func toProperty(iris []string) vocab.ActivityStreamsToProperty {
	p := streams.NewActivityStreamsToProperty()
	for _, s := range iris {
		p.AppendIRI(mustIRI(s))
	}
	return p
}

func ccProperty(iris []string) vocab.ActivityStreamsCcProperty {
	p := streams.NewActivityStreamsCcProperty()
	for _, s := range iris {
		p.AppendIRI(mustIRI(s))
	}
	return p
}

func actorProperty(s string) vocab.ActivityStreamsActorProperty {
	p := streams.NewActivityStreamsActorProperty()
	p.AppendIRI(mustIRI(s))
	return p
}

func publishedProperty(t time.Time) vocab.ActivityStreamsPublishedProperty {
	p := streams.NewActivityStreamsPublishedProperty()
	p.Set(t.UTC())
	return p
}

func nameProperty(s string) vocab.ActivityStreamsNameProperty {
	p := streams.NewActivityStreamsNameProperty()
	p.AppendXMLSchemaString(s)
	return p
}

func summaryProperty(s string) vocab.ActivityStreamsSummaryProperty {
	p := streams.NewActivityStreamsSummaryProperty()
	p.AppendXMLSchemaString(s)
	return p
}

func urlProperty(s string) vocab.ActivityStreamsUrlProperty {
	p := streams.NewActivityStreamsUrlProperty()
	p.AppendIRI(mustIRI(s))
	return p
}
