package ap

import (
	"slices"

	"github.com/coopol/coopol/model"
)

// Addressing maps a Coopol visibility onto to/cc as Mastodon reads them
// (federation-interop.md §6). Members-only posts are addressed to the
// group's members collection and never to Public.
func Addressing(visibility, followersURI, membersURI string, mentioned []string) (to, cc []string) {
	switch visibility {
	case model.VisibilityPublic:
		return []string{Public}, append([]string{followersURI}, mentioned...)
	case model.VisibilityUnlisted:
		return []string{followersURI}, append([]string{Public}, mentioned...)
	case model.VisibilityPrivate:
		return []string{followersURI}, mentioned
	case model.VisibilityMembers:
		return []string{membersURI}, mentioned
	default: // direct
		return mentioned, nil
	}
}

// VisibilityOf reads a remote post's addressing back into a visibility.
func VisibilityOf(to, cc []string, followersURI, membersURI string) string {
	switch {
	case IsPublic(to):
		return model.VisibilityPublic
	case IsPublic(cc):
		return model.VisibilityUnlisted
	case membersURI != "" && (slices.Contains(to, membersURI) || slices.Contains(cc, membersURI)):
		return model.VisibilityMembers
	case followersURI != "" && (slices.Contains(to, followersURI) || slices.Contains(cc, followersURI)):
		return model.VisibilityPrivate
	}
	return model.VisibilityDirect
}

// StatusContext is what building a post needs beyond the status row.
type StatusContext struct {
	Author       *model.Account
	Mentioned    []model.Account // tagged as Mention
	Silent       []model.Account // addressed without a Mention tag
	Tags         []string
	TagURL       func(name string) string
	InReplyToURI string
	Group        *model.Account // owning group, for audience and members
	Attachments  []Attachment
	Poll         *Poll
}

// PostFromStatus describes a local status for the wire.
func PostFromStatus(st *model.Status, c StatusContext) *Post {
	var mentionIRIs []string
	var mentions []Tag
	for _, a := range c.Mentioned {
		mentionIRIs = append(mentionIRIs, a.URI)
		name := "@" + a.Username
		if a.Domain != "" {
			name += "@" + a.Domain
		} else if h := Host(a.URI); h != "" {
			name += "@" + hostWithoutPort(h)
		}
		mentions = append(mentions, Tag{Href: a.URI, Name: name})
	}
	for _, a := range c.Silent {
		mentionIRIs = append(mentionIRIs, a.URI)
	}
	membersURI := ""
	if c.Group != nil {
		membersURI = c.Group.MembersURI
	}
	to, cc := Addressing(st.Visibility, c.Author.FollowersURI, membersURI, mentionIRIs)
	p := &Post{
		ID: st.URI, Type: st.APType, AttributedTo: c.Author.URI, To: to, Cc: cc,
		Published: st.CreatedAt, URL: st.URL, Name: st.Title, Content: st.Content, Language: st.Language,
		Summary: st.SpoilerText, Sensitive: st.Sensitive, InReplyTo: c.InReplyToURI,
		Mentions: mentions, Attachments: c.Attachments, Poll: c.Poll,
	}
	if st.EditedAt != nil {
		p.Updated = *st.EditedAt
	}
	if c.Group != nil {
		p.Audience = c.Group.URI
	}
	for _, name := range c.Tags {
		href := ""
		if c.TagURL != nil {
			href = c.TagURL(name)
		}
		p.Hashtags = append(p.Hashtags, Tag{Href: href, Name: "#" + name})
	}
	return p
}
