package ap

import (
	"context"
	"encoding/json"
	"testing"
)

// FuzzParseIncoming feeds arbitrary JSON to every inbox parser: none may
// panic, whatever a remote server sends.
func FuzzParseIncoming(f *testing.F) {
	seeds := []string{
		`{"id":"https://a.test/1","type":"Create","actor":"https://a.test/u","object":{"id":"https://a.test/n","type":"Note","attributedTo":"https://a.test/u","content":"x","tag":{"type":"Mention","href":"https://b.test/u"}}}`,
		`{"id":"https://a.test/1","type":"Undo","actor":["https://a.test/u"],"object":{"type":"Follow","actor":"https://a.test/u","object":"https://b.test/u"}}`,
		`{"type":"Question","id":"https://a.test/q","attributedTo":"https://a.test/u","oneOf":[{"name":"a","replies":{"totalItems":3}}]}`,
		`{"type":"Person","id":"https://a.test/u","preferredUsername":"u","inbox":"https://a.test/u/inbox","publicKey":{"id":"https://a.test/u#k","publicKeyPem":"x"},"attachment":[{"type":"PropertyValue"}]}`,
		`{"to":null,"cc":{"id":3},"object":[1,"a",{}],"type":["Create","Other"]}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var m map[string]any
		if json.Unmarshal(data, &m) != nil || m == nil {
			return
		}
		ToType(context.Background(), m) //nolint:errcheck
		if in, err := ParseIncoming(m); err == nil && in.Object != nil {
			ParsePost(in.Object) //nolint:errcheck
		}
		ParsePost(m)  //nolint:errcheck
		ParseActor(m) //nolint:errcheck
	})
}
