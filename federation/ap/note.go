package ap

import (
	"fmt"
	"time"

	"github.com/superseriousbusiness/activity/streams"
	"github.com/superseriousbusiness/activity/streams/vocab"

	"github.com/coopol/coopol/text"
)

// Post is a status as it travels: built from our models for outgoing
// documents, read from remote JSON for incoming ones.
type Post struct {
	ID           string
	Type         string // Note, Article, Question, Page, Event...
	AttributedTo string
	To, Cc       []string
	Published    time.Time
	Updated      time.Time
	URL          string
	Name         string // title of an Article or a group thread
	Content      string // HTML
	Language     string
	Summary      string // content warning
	Sensitive    bool
	InReplyTo    string
	Audience     string // owning group (FEP-1b12)
	Mentions     []Tag
	Hashtags     []Tag
	Attachments  []Attachment
	Poll         *Poll
	Event        *EventInfo
}

// Tag is a Mention (Href = actor id, Name = @user@host) or a Hashtag
// (Href = tag page, Name = #tag).
type Tag struct{ Href, Name string }

// Attachment is a media file of a post.
type Attachment struct {
	Type          string // Document, Image, Video, Audio
	URL           string
	MediaType     string
	Name          string // alt text
	Blurhash      string
	Width, Height int
	FocusX        float64
	FocusY        float64
}

// Poll is a Question's options and tallies.
type Poll struct {
	Multiple    bool
	Options     []string
	Votes       []int
	EndTime     time.Time
	Closed      bool
	VotersCount int
}

// objectBuilder is what every post-like object (Note, Article,
// Question, Event) lets us set.
type objectBuilder interface {
	vocab.Type
	SetJSONLDId(vocab.JSONLDIdProperty)
	SetActivityStreamsAttributedTo(vocab.ActivityStreamsAttributedToProperty)
	SetActivityStreamsTo(vocab.ActivityStreamsToProperty)
	SetActivityStreamsCc(vocab.ActivityStreamsCcProperty)
	SetActivityStreamsPublished(vocab.ActivityStreamsPublishedProperty)
	SetActivityStreamsUpdated(vocab.ActivityStreamsUpdatedProperty)
	SetActivityStreamsUrl(vocab.ActivityStreamsUrlProperty)
	SetActivityStreamsName(vocab.ActivityStreamsNameProperty)
	SetActivityStreamsContent(vocab.ActivityStreamsContentProperty)
	SetActivityStreamsSummary(vocab.ActivityStreamsSummaryProperty)
	SetActivityStreamsAudience(vocab.ActivityStreamsAudienceProperty)
	GetUnknownProperties() map[string]any
}

// postBuilder is what Note, Article and Question share.
type postBuilder interface {
	objectBuilder
	SetActivityStreamsSensitive(vocab.ActivityStreamsSensitiveProperty)
	SetActivityStreamsInReplyTo(vocab.ActivityStreamsInReplyToProperty)
	SetActivityStreamsTag(vocab.ActivityStreamsTagProperty)
	SetActivityStreamsAttachment(vocab.ActivityStreamsAttachmentProperty)
}

// setObjectBasics sets what every post-like object carries.
func setObjectBasics(t objectBuilder, p *Post) {
	t.SetJSONLDId(idProperty(p.ID))
	at := streams.NewActivityStreamsAttributedToProperty()
	at.AppendIRI(mustIRI(p.AttributedTo))
	t.SetActivityStreamsAttributedTo(at)
	if len(p.To) > 0 {
		t.SetActivityStreamsTo(toProperty(p.To))
	}
	if len(p.Cc) > 0 {
		t.SetActivityStreamsCc(ccProperty(p.Cc))
	}
	t.SetActivityStreamsPublished(publishedProperty(p.Published))
	if !p.Updated.IsZero() {
		u := streams.NewActivityStreamsUpdatedProperty()
		u.Set(p.Updated.UTC())
		t.SetActivityStreamsUpdated(u)
	}
	if p.URL != "" {
		t.SetActivityStreamsUrl(urlProperty(p.URL))
	}
	if p.Name != "" {
		t.SetActivityStreamsName(nameProperty(p.Name))
	}
	content := streams.NewActivityStreamsContentProperty()
	content.AppendXMLSchemaString(p.Content)
	t.SetActivityStreamsContent(content)
	if p.Summary != "" {
		t.SetActivityStreamsSummary(summaryProperty(p.Summary))
	}
	if p.Audience != "" {
		aud := streams.NewActivityStreamsAudienceProperty()
		aud.AppendIRI(mustIRI(p.Audience))
		t.SetActivityStreamsAudience(aud)
	}
}

// attachmentContext is needed whenever focalPoint is emitted.
var attachmentContext = map[string]any{
	"toot":       "http://joinmastodon.org/ns#",
	"focalPoint": map[string]any{"@id": "toot:focalPoint", "@container": "@list"},
	"blurhash":   "toot:blurhash",
}

// PostType builds the typed object of a post, for embedding in an
// activity, and the @context terms it needs at the top level.
func PostType(p *Post) (vocab.Type, map[string]any, error) {
	var t postBuilder
	switch p.Type {
	case "Article":
		t = streams.NewActivityStreamsArticle()
	case "Question":
		t = streams.NewActivityStreamsQuestion()
	case "Note", "":
		t = streams.NewActivityStreamsNote()
	case "Event":
		return eventType(p)
	default:
		return nil, nil, fmt.Errorf("cannot build a %s post", p.Type)
	}
	ctx := map[string]any{}
	setObjectBasics(t, p)
	if p.Language != "" {
		// A one-entry contentMap with the same HTML gives the language
		// (GtS requires equality). streams would turn a second value of
		// content into a list, which Mastodon does not read.
		t.GetUnknownProperties()["contentMap"] = map[string]string{p.Language: p.Content}
	}
	sens := streams.NewActivityStreamsSensitiveProperty()
	sens.AppendXMLSchemaBoolean(p.Sensitive)
	t.SetActivityStreamsSensitive(sens)
	if p.InReplyTo != "" {
		irt := streams.NewActivityStreamsInReplyToProperty()
		irt.AppendIRI(mustIRI(p.InReplyTo))
		t.SetActivityStreamsInReplyTo(irt)
	}
	if len(p.Mentions)+len(p.Hashtags) > 0 {
		tags := streams.NewActivityStreamsTagProperty()
		for _, m := range p.Mentions {
			mention := streams.NewActivityStreamsMention()
			href := streams.NewActivityStreamsHrefProperty()
			href.Set(mustIRI(m.Href))
			mention.SetActivityStreamsHref(href)
			mention.SetActivityStreamsName(nameProperty(m.Name))
			tags.AppendActivityStreamsMention(mention)
		}
		for _, h := range p.Hashtags {
			ht := streams.NewTootHashtag()
			href := streams.NewActivityStreamsHrefProperty()
			href.Set(mustIRI(h.Href))
			ht.SetActivityStreamsHref(href)
			ht.SetActivityStreamsName(nameProperty(h.Name))
			tags.AppendTootHashtag(ht)
		}
		t.SetActivityStreamsTag(tags)
	}
	if len(p.Attachments) > 0 {
		att := streams.NewActivityStreamsAttachmentProperty()
		for _, a := range p.Attachments {
			doc := streams.NewActivityStreamsDocument()
			doc.SetActivityStreamsUrl(urlProperty(a.URL))
			mt := streams.NewActivityStreamsMediaTypeProperty()
			mt.Set(a.MediaType)
			doc.SetActivityStreamsMediaType(mt)
			if a.Name != "" {
				doc.SetActivityStreamsName(nameProperty(a.Name))
			}
			if a.Blurhash != "" {
				bh := streams.NewTootBlurhashProperty()
				bh.Set(a.Blurhash)
				doc.SetTootBlurhash(bh)
			}
			if a.Width > 0 && a.Height > 0 {
				// Mastodon's Document carries width/height; the typed
				// vocabulary has them only on Link, so add them as is.
				doc.GetUnknownProperties()["width"] = a.Width
				doc.GetUnknownProperties()["height"] = a.Height
			}
			doc.GetUnknownProperties()["focalPoint"] = []float64{a.FocusX, a.FocusY}
			att.AppendActivityStreamsDocument(doc)
		}
		t.SetActivityStreamsAttachment(att)
		for k, v := range attachmentContext {
			ctx[k] = v
		}
	}
	if q, ok := t.(vocab.ActivityStreamsQuestion); ok && p.Poll != nil {
		addPoll(q, p.Poll)
		ctx["toot"] = "http://joinmastodon.org/ns#"
		ctx["votersCount"] = "toot:votersCount"
	}
	return t, ctx, nil
}

func addPoll(q vocab.ActivityStreamsQuestion, poll *Poll) {
	add := func(name string, votes int) vocab.ActivityStreamsNote {
		n := streams.NewActivityStreamsNote()
		n.SetActivityStreamsName(nameProperty(name))
		replies := streams.NewActivityStreamsCollection()
		total := streams.NewActivityStreamsTotalItemsProperty()
		total.Set(votes)
		replies.SetActivityStreamsTotalItems(total)
		rp := streams.NewActivityStreamsRepliesProperty()
		rp.SetActivityStreamsCollection(replies)
		n.SetActivityStreamsReplies(rp)
		return n
	}
	if poll.Multiple {
		any := streams.NewActivityStreamsAnyOfProperty()
		for i, o := range poll.Options {
			any.AppendActivityStreamsNote(add(o, voteAt(poll.Votes, i)))
		}
		q.SetActivityStreamsAnyOf(any)
	} else {
		one := streams.NewActivityStreamsOneOfProperty()
		for i, o := range poll.Options {
			one.AppendActivityStreamsNote(add(o, voteAt(poll.Votes, i)))
		}
		q.SetActivityStreamsOneOf(one)
	}
	if !poll.EndTime.IsZero() {
		end := streams.NewActivityStreamsEndTimeProperty()
		end.Set(poll.EndTime.UTC())
		q.SetActivityStreamsEndTime(end)
	}
	if poll.Closed {
		closed := streams.NewActivityStreamsClosedProperty()
		closed.AppendXMLSchemaDateTime(poll.EndTime.UTC())
		q.SetActivityStreamsClosed(closed)
	}
	vc := streams.NewTootVotersCountProperty()
	vc.Set(poll.VotersCount)
	q.SetTootVotersCount(vc)
}

func voteAt(votes []int, i int) int {
	if i < len(votes) {
		return votes[i]
	}
	return 0
}

// PostDocument serialises a post on its own (for fetches of its id).
func PostDocument(p *Post) (Document, error) {
	t, ctx, err := PostType(p)
	if err != nil {
		return nil, err
	}
	return serialize(t, ctx)
}

// postTypes are the object types we store as statuses. Page and Event
// are "converted" types, shown with their name and a link (as Mastodon).
var postTypes = map[string]bool{"Note": true, "Article": true, "Question": true, "Page": true, "Event": true, "Image": true, "Video": true, "Audio": true}

// Limits on what we keep of a remote post (C-07, C-08).
const (
	maxContentBytes = 100_000
	maxAttachments  = 8
	maxTags         = 100
	maxPollOptions  = 20
	maxAddressees   = 1000
	maxNameBytes    = 1000
	maxSummaryBytes = 5000
)

// ParsePost reads a remote object into a Post. Content is returned as
// sent: the caller sanitizes it before storing (C-01).
func ParsePost(m map[string]any) (*Post, error) {
	typ := Type(m)
	if !postTypes[typ] {
		return nil, fmt.Errorf("unsupported object type %q", typ)
	}
	p := &Post{ID: Str(m, "id"), Type: typ, AttributedTo: ID(m["attributedTo"])}
	if Host(p.ID) == "" || Host(p.AttributedTo) == "" {
		return nil, fmt.Errorf("object needs an http(s) id and attributedTo")
	}
	p.To, p.Cc = IDs(m["to"]), IDs(m["cc"])
	if len(p.To)+len(p.Cc) > maxAddressees {
		return nil, fmt.Errorf("object has too many addressees")
	}
	p.Published, p.Updated = Time(m, "published"), Time(m, "updated")
	p.URL = text.SafeURL(ID(m["url"]))
	p.Name, _ = LangString(m, "name")
	p.Content, p.Language = LangString(m, "content")
	p.Summary, _ = LangString(m, "summary")
	p.Sensitive = Bool(m, "sensitive")
	p.InReplyTo = ID(m["inReplyTo"])
	p.Audience = ID(m["audience"])
	if len(p.Content) > maxContentBytes || len(p.Name) > maxNameBytes || len(p.Summary) > maxSummaryBytes {
		return nil, fmt.Errorf("object text is too long")
	}
	tags := Objects(m["tag"])
	if len(tags) > maxTags {
		tags = tags[:maxTags]
	}
	for _, tag := range tags {
		switch Type(tag) {
		case "Mention":
			if href := text.SafeURL(ID(tag["href"])); href != "" {
				p.Mentions = append(p.Mentions, Tag{Href: href, Name: Str(tag, "name")})
			}
		case "Hashtag":
			p.Hashtags = append(p.Hashtags, Tag{Href: text.SafeURL(ID(tag["href"])), Name: Str(tag, "name")})
		}
	}
	atts := Objects(m["attachment"])
	if len(atts) > maxAttachments {
		atts = atts[:maxAttachments]
	}
	for _, a := range atts {
		url := text.SafeURL(ID(a["url"]))
		if Host(url) == "" {
			continue
		}
		name, _ := LangString(a, "name")
		if name == "" {
			name, _ = LangString(a, "summary")
		}
		att := Attachment{Type: Type(a), URL: url, MediaType: Str(a, "mediaType"), Name: name, Blurhash: Str(a, "blurhash")}
		if w, ok := a["width"].(float64); ok {
			att.Width = int(w)
		}
		if h, ok := a["height"].(float64); ok {
			att.Height = int(h)
		}
		p.Attachments = append(p.Attachments, att)
	}
	if typ == "Question" {
		p.Poll = parsePoll(m)
	}
	if typ == "Event" {
		ev, err := parseEvent(m)
		if err != nil {
			return nil, err
		}
		p.Event = ev
	}
	return p, nil
}

func parsePoll(m map[string]any) *Poll {
	poll := &Poll{}
	options := Objects(m["oneOf"])
	if len(options) == 0 {
		options = Objects(m["anyOf"])
		poll.Multiple = len(options) > 0
	}
	if len(options) > maxPollOptions {
		options = options[:maxPollOptions]
	}
	for _, o := range options {
		poll.Options = append(poll.Options, Str(o, "name"))
		votes := 0
		if r := Object(o["replies"]); r != nil {
			if n, ok := r["totalItems"].(float64); ok && n >= 0 {
				votes = int(n)
			}
		}
		poll.Votes = append(poll.Votes, votes)
	}
	poll.EndTime = Time(m, "endTime")
	_, poll.Closed = m["closed"]
	if n, ok := m["votersCount"].(float64); ok && n >= 0 {
		poll.VotersCount = int(n)
	}
	return poll
}
