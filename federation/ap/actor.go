package ap

import (
	"fmt"
	"strings"

	"github.com/superseriousbusiness/activity/streams"
	"github.com/superseriousbusiness/activity/streams/vocab"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/text"
)

// actorBuilder is what Person, Group, Service and Application share.
type actorBuilder interface {
	vocab.Type
	SetJSONLDId(vocab.JSONLDIdProperty)
	SetActivityStreamsPreferredUsername(vocab.ActivityStreamsPreferredUsernameProperty)
	SetActivityStreamsName(vocab.ActivityStreamsNameProperty)
	SetActivityStreamsSummary(vocab.ActivityStreamsSummaryProperty)
	SetActivityStreamsUrl(vocab.ActivityStreamsUrlProperty)
	SetActivityStreamsPublished(vocab.ActivityStreamsPublishedProperty)
	SetActivityStreamsInbox(vocab.ActivityStreamsInboxProperty)
	SetActivityStreamsOutbox(vocab.ActivityStreamsOutboxProperty)
	SetActivityStreamsFollowers(vocab.ActivityStreamsFollowersProperty)
	SetActivityStreamsFollowing(vocab.ActivityStreamsFollowingProperty)
	SetTootFeatured(vocab.TootFeaturedProperty)
	SetActivityStreamsEndpoints(vocab.ActivityStreamsEndpointsProperty)
	SetActivityStreamsManuallyApprovesFollowers(vocab.ActivityStreamsManuallyApprovesFollowersProperty)
	SetTootDiscoverable(vocab.TootDiscoverableProperty)
	SetW3IDSecurityV1PublicKey(vocab.W3IDSecurityV1PublicKeyProperty)
	SetActivityStreamsIcon(vocab.ActivityStreamsIconProperty)
	SetActivityStreamsImage(vocab.ActivityStreamsImageProperty)
	SetActivityStreamsAttachment(vocab.ActivityStreamsAttachmentProperty)
	GetUnknownProperties() map[string]any
}

// ActorMedia are the absolute URLs of an actor's avatar and header.
type ActorMedia struct{ Avatar, AvatarType, Header, HeaderType string }

// LocalActor is the one actor document of a local account: what a GET
// serves and what an Update(Person) carries, since peers replace their
// copy with the Update (a missing icon would delete the avatar, issue 15).
// Avatars and headers are re-encoded uploads whose addresses are kept in
// avatar_remote_url and header_remote_url.
func LocalActor(a *model.Account) (Document, error) {
	return Actor(a, ActorMedia{Avatar: a.AvatarRemoteURL, Header: a.HeaderRemoteURL})
}

// Actor builds the actor document of a local account, in the shape
// Mastodon and GoToSocial expect (federation-interop.md §2, §3).
func Actor(a *model.Account, media ActorMedia) (Document, error) {
	var t actorBuilder
	switch a.ActorType {
	case model.ActorGroup:
		t = streams.NewActivityStreamsGroup()
	case model.ActorApplication:
		t = streams.NewActivityStreamsApplication()
	case model.ActorService:
		t = streams.NewActivityStreamsService()
	default:
		t = streams.NewActivityStreamsPerson()
	}
	t.SetJSONLDId(idProperty(a.URI))
	pu := streams.NewActivityStreamsPreferredUsernameProperty()
	pu.SetXMLSchemaString(a.Username)
	t.SetActivityStreamsPreferredUsername(pu)
	if a.DisplayName != "" {
		t.SetActivityStreamsName(nameProperty(a.DisplayName))
	}
	if a.Note != "" {
		t.SetActivityStreamsSummary(summaryProperty(a.Note))
	}
	if a.URL != "" {
		t.SetActivityStreamsUrl(urlProperty(a.URL))
	}
	t.SetActivityStreamsPublished(publishedProperty(a.CreatedAt))

	inbox := streams.NewActivityStreamsInboxProperty()
	inbox.SetIRI(mustIRI(a.InboxURI))
	t.SetActivityStreamsInbox(inbox)
	outbox := streams.NewActivityStreamsOutboxProperty()
	outbox.SetIRI(mustIRI(a.OutboxURI))
	t.SetActivityStreamsOutbox(outbox)
	if a.FollowersURI != "" {
		p := streams.NewActivityStreamsFollowersProperty()
		p.SetIRI(mustIRI(a.FollowersURI))
		t.SetActivityStreamsFollowers(p)
	}
	if a.FollowingURI != "" {
		p := streams.NewActivityStreamsFollowingProperty()
		p.SetIRI(mustIRI(a.FollowingURI))
		t.SetActivityStreamsFollowing(p)
	}
	if a.FeaturedURI != "" {
		p := streams.NewTootFeaturedProperty()
		p.SetIRI(mustIRI(a.FeaturedURI))
		t.SetTootFeatured(p)
	}
	if a.SharedInboxURI != "" {
		endpoints := streams.NewActivityStreamsEndpointsProperty()
		ep := streams.NewActivityStreamsEndpoints()
		si := streams.NewActivityStreamsSharedInboxProperty()
		si.SetIRI(mustIRI(a.SharedInboxURI))
		ep.SetActivityStreamsSharedInbox(si)
		endpoints.AppendActivityStreamsEndpoints(ep)
		t.SetActivityStreamsEndpoints(endpoints)
	}
	ma := streams.NewActivityStreamsManuallyApprovesFollowersProperty()
	ma.Set(a.Locked)
	t.SetActivityStreamsManuallyApprovesFollowers(ma)
	disc := streams.NewTootDiscoverableProperty()
	disc.Set(a.Discoverable)
	t.SetTootDiscoverable(disc)

	key := streams.NewW3IDSecurityV1PublicKey()
	key.SetJSONLDId(idProperty(a.PublicKeyID))
	owner := streams.NewW3IDSecurityV1OwnerProperty()
	owner.SetIRI(mustIRI(a.URI))
	key.SetW3IDSecurityV1Owner(owner)
	pem := streams.NewW3IDSecurityV1PublicKeyPemProperty()
	pem.Set(a.PublicKeyPEM)
	key.SetW3IDSecurityV1PublicKeyPem(pem)
	keyProp := streams.NewW3IDSecurityV1PublicKeyProperty()
	keyProp.AppendW3IDSecurityV1PublicKey(key)
	t.SetW3IDSecurityV1PublicKey(keyProp)

	if media.Avatar != "" {
		icon := streams.NewActivityStreamsIconProperty()
		icon.AppendActivityStreamsImage(image(media.Avatar, media.AvatarType))
		t.SetActivityStreamsIcon(icon)
	}
	if media.Header != "" {
		img := streams.NewActivityStreamsImageProperty()
		img.AppendActivityStreamsImage(image(media.Header, media.HeaderType))
		t.SetActivityStreamsImage(img)
	}
	if len(a.Fields) > 0 {
		att := streams.NewActivityStreamsAttachmentProperty()
		for _, f := range a.Fields {
			pv := streams.NewSchemaPropertyValue()
			pv.SetActivityStreamsName(nameProperty(f.Name))
			v := streams.NewSchemaValueProperty()
			v.Set(f.Value)
			pv.SetSchemaValue(v)
			att.AppendSchemaPropertyValue(pv)
		}
		t.SetActivityStreamsAttachment(att)
	}

	extra := t.GetUnknownProperties()
	ctx := map[string]any{}
	// Members are not indexed by default; public web views of their
	// unlisted posts are discouraged (federation-interop.md §2).
	extra["indexable"] = a.Indexable
	ctx["indexable"] = "toot:indexable"
	ctx["toot"] = "http://joinmastodon.org/ns#"
	if a.ActorType == model.ActorPerson {
		extra["hidesCcPublicFromUnauthedWeb"] = true
		ctx["gts"] = "https://gotosocial.org/ns#"
		ctx["hidesCcPublicFromUnauthedWeb"] = "gts:hidesCcPublicFromUnauthedWeb"
	}
	if a.ActorType == model.ActorGroup && a.MembersURI != "" {
		// Mobilizon's members collection; only totalItems, to members only.
		extra["members"] = a.MembersURI
		ctx["mz"] = "https://joinmobilizon.org/ns#"
		ctx["members"] = map[string]any{"@id": "mz:members", "@type": "@id"}
	}
	// So that resolvers can choose between a person and a group of the
	// same name (Lemmy #2037): we use one namespace anyway.
	ctx["webfinger"] = map[string]any{"@id": "https://purl.archive.org/socialweb/webfinger#webfinger", "@type": "xsd:string"}
	if host := Host(a.URI); host != "" {
		extra["webfinger"] = a.Username + "@" + hostWithoutPort(host)
	}
	return serialize(t, ctx)
}

func hostWithoutPort(h string) string {
	if i := strings.LastIndex(h, ":"); i > 0 && !strings.Contains(h[i:], "]") {
		return h[:i]
	}
	return h
}

func image(url, mediaType string) vocab.ActivityStreamsImage {
	img := streams.NewActivityStreamsImage()
	img.SetActivityStreamsUrl(urlProperty(url))
	if mediaType != "" {
		mt := streams.NewActivityStreamsMediaTypeProperty()
		mt.Set(mediaType)
		img.SetActivityStreamsMediaType(mt)
	}
	return img
}

var actorTypes = map[string]bool{"Person": true, "Group": true, "Service": true, "Application": true, "Organization": true}

// RemoteActor is what we keep of a remote actor document.
type RemoteActor struct {
	Account  model.Account
	KeyOwner string // publicKey.owner
}

// ParseActor reads a remote actor document into an Account (without id
// or timestamps). The caller has already checked the document's origin.
func ParseActor(m map[string]any) (*RemoteActor, error) {
	typ := Type(m)
	if !actorTypes[typ] {
		return nil, fmt.Errorf("not an actor: type %q", typ)
	}
	id := Str(m, "id")
	host := Host(id)
	if host == "" {
		return nil, fmt.Errorf("actor id %q is not an http(s) IRI", id)
	}
	username := Str(m, "preferredUsername")
	if username == "" || strings.ContainsAny(username, "@/ \n") || len(username) > 100 {
		return nil, fmt.Errorf("actor %s has no usable preferredUsername", id)
	}
	inbox := ID(m["inbox"])
	if inbox == "" {
		// Mastodon ignores actors without an inbox; so do we.
		return nil, fmt.Errorf("actor %s has no inbox", id)
	}
	a := model.Account{
		URI: id, Username: username, Domain: host, ActorType: typ,
		InboxURI: inbox, OutboxURI: ownCollection(m["outbox"], host), FollowersURI: ownCollection(m["followers"], host),
		FollowingURI: ownCollection(m["following"], host), FeaturedURI: ownCollection(m["featured"], host), MembersURI: ownCollection(m["members"], host),
		Locked: Bool(m, "manuallyApprovesFollowers"), Discoverable: Bool(m, "discoverable"),
		Indexable: Bool(m, "indexable"), Bot: typ == "Service" || typ == "Application",
		MovedToURI: ID(m["movedTo"]), AlsoKnownAs: IDs(m["alsoKnownAs"]), Fields: []model.Field{},
	}
	if a.AlsoKnownAs == nil {
		a.AlsoKnownAs = []string{}
	}
	a.DisplayName, _ = LangString(m, "name")
	a.Note, _ = LangString(m, "summary")
	a.URL = text.SafeURL(ID(m["url"]))
	if ep, ok := m["endpoints"].(map[string]any); ok {
		a.SharedInboxURI = text.SafeURL(Str(ep, "sharedInbox"))
	}
	if icon := Object(m["icon"]); icon != nil {
		a.AvatarRemoteURL = text.SafeURL(ID(icon["url"]))
	}
	if img := Object(m["image"]); img != nil {
		a.HeaderRemoteURL = text.SafeURL(ID(img["url"]))
	}
	for _, att := range Objects(m["attachment"]) {
		if Type(att) == "PropertyValue" && len(a.Fields) < 16 {
			a.Fields = append(a.Fields, model.Field{Name: Str(att, "name"), Value: Str(att, "value")})
		}
	}
	out := &RemoteActor{Account: a}
	if key := Object(m["publicKey"]); key != nil {
		a := &out.Account
		a.PublicKeyID = Str(key, "id")
		a.PublicKeyPEM = Str(key, "publicKeyPem")
		out.KeyOwner = ID(key["owner"])
	}
	return out, nil
}

// ownCollection is a collection of the actor's, kept only when it lives on
// the actor's own origin: an actor naming another server's followers or
// members collection as its own would make posts addressed to it reach
// that audience (issue 12).
func ownCollection(v any, actorHost string) string {
	u := text.SafeURL(ID(v))
	if u == "" || Host(u) != actorHost {
		return ""
	}
	return u
}
