package api

import (
	"encoding/json"
	"strconv"
	"sync"
	"unicode/utf8"
)

// Timeline pages and notifications are most of what clients ask for, and
// encoding/json walked each status and its account by reflection: about a
// fifth of a home page's CPU (issue 17, pprof). These functions write the
// same bytes directly. json_append_test.go holds them to encoding/json's
// output for every kind of status the renderer makes, so a field added to
// statusJSON, accountJSON or notificationJSON without its line here fails
// the tests. Fields typed any (media, cards, polls, emojis, filters) are
// rare or small and still go through encoding/json.

var pageBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// appendJSONPage appends the JSON array of items.
func appendJSONPage[T any](b []byte, items []T, appendItem func([]byte, *T) []byte) []byte {
	b = append(b, '[')
	for i := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendItem(b, &items[i])
	}
	return append(b, ']')
}

func appendStatusJSON(b []byte, s *statusJSON) []byte {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, s.ID)
	b = append(b, `,"created_at":`...)
	b = appendJSONString(b, s.CreatedAt)
	b = append(b, `,"in_reply_to_id":`...)
	b = appendJSONStringPtr(b, s.InReplyToID)
	b = append(b, `,"in_reply_to_account_id":`...)
	b = appendJSONStringPtr(b, s.InReplyToAccountID)
	b = append(b, `,"sensitive":`...)
	b = strconv.AppendBool(b, s.Sensitive)
	b = append(b, `,"spoiler_text":`...)
	b = appendJSONString(b, s.SpoilerText)
	b = append(b, `,"visibility":`...)
	b = appendJSONString(b, s.Visibility)
	b = append(b, `,"language":`...)
	b = appendJSONStringPtr(b, s.Language)
	b = append(b, `,"uri":`...)
	b = appendJSONString(b, s.URI)
	b = append(b, `,"url":`...)
	b = appendJSONStringPtr(b, s.URL)
	b = append(b, `,"replies_count":`...)
	b = strconv.AppendInt(b, int64(s.RepliesCount), 10)
	b = append(b, `,"reblogs_count":`...)
	b = strconv.AppendInt(b, int64(s.ReblogsCount), 10)
	b = append(b, `,"favourites_count":`...)
	b = strconv.AppendInt(b, int64(s.FavouritesCount), 10)
	b = append(b, `,"edited_at":`...)
	b = appendJSONStringPtr(b, s.EditedAt)
	b = appendOptionalBool(b, `,"favourited":`, s.Favourited)
	b = appendOptionalBool(b, `,"reblogged":`, s.Reblogged)
	b = appendOptionalBool(b, `,"muted":`, s.Muted)
	b = appendOptionalBool(b, `,"bookmarked":`, s.Bookmarked)
	b = appendOptionalBool(b, `,"pinned":`, s.Pinned)
	if s.Filtered != nil { // omitzero
		b = append(b, `,"filtered":`...)
		b = appendJSONAnySlice(b, s.Filtered)
	}
	b = append(b, `,"content":`...)
	b = appendJSONString(b, s.Content)
	if s.Text != nil { // omitempty
		b = append(b, `,"text":`...)
		b = appendJSONString(b, *s.Text)
	}
	b = append(b, `,"reblog":`...)
	if s.Reblog == nil {
		b = append(b, "null"...)
	} else {
		b = appendStatusJSON(b, s.Reblog)
	}
	b = append(b, `,"application":`...)
	if s.Application == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, `{"name":`...)
		b = appendJSONString(b, s.Application.Name)
		b = append(b, `,"website":`...)
		b = appendJSONStringPtr(b, s.Application.Website)
		b = append(b, '}')
	}
	b = append(b, `,"account":`...)
	b = appendAccountJSON(b, &s.Account)
	b = append(b, `,"media_attachments":`...)
	b = appendJSONAnySlice(b, s.MediaAttachments)
	b = append(b, `,"mentions":`...)
	if s.Mentions == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range s.Mentions {
			m := &s.Mentions[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"id":`...)
			b = appendJSONString(b, m.ID)
			b = append(b, `,"username":`...)
			b = appendJSONString(b, m.Username)
			b = append(b, `,"url":`...)
			b = appendJSONString(b, m.URL)
			b = append(b, `,"acct":`...)
			b = appendJSONString(b, m.Acct)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"tags":`...)
	if s.Tags == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range s.Tags {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"name":`...)
			b = appendJSONString(b, s.Tags[i].Name)
			b = append(b, `,"url":`...)
			b = appendJSONString(b, s.Tags[i].URL)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"emojis":`...)
	b = appendJSONAnySlice(b, s.Emojis)
	b = append(b, `,"card":`...)
	b = appendJSONAny(b, s.Card)
	b = append(b, `,"poll":`...)
	b = appendJSONAny(b, s.Poll)
	b = append(b, `,"coopol":{"visibility":`...)
	b = appendJSONString(b, s.Coopol.Visibility)
	b = append(b, `,"group_id":`...)
	b = appendJSONStringPtr(b, s.Coopol.GroupID)
	return append(b, "}}"...)
}

func appendAccountJSON(b []byte, a *accountJSON) []byte {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, a.ID)
	b = append(b, `,"username":`...)
	b = appendJSONString(b, a.Username)
	b = append(b, `,"acct":`...)
	b = appendJSONString(b, a.Acct)
	b = append(b, `,"display_name":`...)
	b = appendJSONString(b, a.DisplayName)
	b = append(b, `,"locked":`...)
	b = strconv.AppendBool(b, a.Locked)
	b = append(b, `,"bot":`...)
	b = strconv.AppendBool(b, a.Bot)
	b = append(b, `,"discoverable":`...)
	b = strconv.AppendBool(b, a.Discoverable)
	b = append(b, `,"indexable":`...)
	b = strconv.AppendBool(b, a.Indexable)
	b = append(b, `,"group":`...)
	b = strconv.AppendBool(b, a.Group)
	b = append(b, `,"created_at":`...)
	b = appendJSONString(b, a.CreatedAt)
	b = append(b, `,"note":`...)
	b = appendJSONString(b, a.Note)
	b = append(b, `,"url":`...)
	b = appendJSONString(b, a.URL)
	b = append(b, `,"uri":`...)
	b = appendJSONString(b, a.URI)
	b = append(b, `,"avatar":`...)
	b = appendJSONString(b, a.Avatar)
	b = append(b, `,"avatar_static":`...)
	b = appendJSONString(b, a.AvatarStatic)
	b = append(b, `,"header":`...)
	b = appendJSONString(b, a.Header)
	b = append(b, `,"header_static":`...)
	b = appendJSONString(b, a.HeaderStatic)
	b = append(b, `,"followers_count":`...)
	b = strconv.AppendInt(b, int64(a.FollowersCount), 10)
	b = append(b, `,"following_count":`...)
	b = strconv.AppendInt(b, int64(a.FollowingCount), 10)
	b = append(b, `,"statuses_count":`...)
	b = strconv.AppendInt(b, int64(a.StatusesCount), 10)
	b = append(b, `,"last_status_at":`...)
	b = appendJSONStringPtr(b, a.LastStatusAt)
	b = append(b, `,"hide_collections":`...)
	b = strconv.AppendBool(b, a.HideCollections)
	b = append(b, `,"noindex":`...)
	b = strconv.AppendBool(b, a.Noindex)
	b = append(b, `,"emojis":`...)
	b = appendJSONAnySlice(b, a.Emojis)
	b = append(b, `,"roles":`...)
	b = appendJSONAnySlice(b, a.Roles)
	b = append(b, `,"fields":`...)
	if a.Fields == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range a.Fields {
			f := &a.Fields[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"name":`...)
			b = appendJSONString(b, f.Name)
			b = append(b, `,"value":`...)
			b = appendJSONString(b, f.Value)
			b = append(b, `,"verified_at":`...)
			b = appendJSONStringPtr(b, f.VerifiedAt)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if a.Source != nil { // omitempty; only on one's own account, never in a page
		b = append(b, `,"source":`...)
		b = appendJSONAny(b, a.Source)
	}
	return append(b, '}')
}

func appendNotificationJSON(b []byte, n *notificationJSON) []byte {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, n.ID)
	b = append(b, `,"type":`...)
	b = appendJSONString(b, n.Type)
	b = append(b, `,"group_key":`...)
	b = appendJSONString(b, n.GroupKey)
	b = append(b, `,"created_at":`...)
	b = appendJSONString(b, n.CreatedAt)
	b = append(b, `,"account":`...)
	b = appendAccountJSON(b, &n.Account)
	if n.Status != nil {
		b = append(b, `,"status":`...)
		b = appendStatusJSON(b, n.Status)
	}
	if n.Report != nil {
		b = append(b, `,"report":`...)
		b = appendJSONAny(b, n.Report)
	}
	return append(b, '}')
}

func appendOptionalBool(b []byte, key string, v *bool) []byte {
	if v == nil {
		return b
	}
	b = append(b, key...)
	return strconv.AppendBool(b, *v)
}

func appendJSONStringPtr(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendJSONString(b, *s)
}

func appendJSONAnySlice(b []byte, v []any) []byte {
	switch {
	case v == nil:
		return append(b, "null"...)
	case len(v) == 0:
		return append(b, "[]"...)
	}
	return appendJSONAny(b, v)
}

// appendJSONAny falls back to encoding/json. It cannot fail on what the
// renderer builds (maps, slices and structs of strings, numbers and
// booleans); were it to, null keeps the page valid JSON.
func appendJSONAny(b []byte, v any) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	out, err := json.Marshal(v)
	if err != nil {
		return append(b, "null"...)
	}
	return append(b, out...)
}

const hexDigits = "0123456789abcdef"

// jsonPlain says which ASCII bytes appendJSONString copies as they are.
var jsonPlain = func() (t [utf8.RuneSelf]bool) {
	for c := byte(0x20); c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendJSONString writes s as encoding/json does with HTML escaping on
// (gin's c.JSON): <, > and & as \u003c, \u003e and \u0026, control
// characters escaped, invalid UTF-8 as \ufffd, and U+2028 and U+2029
// escaped for JavaScript.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonPlain[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
