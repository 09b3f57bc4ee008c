// Package uris says where things live on this instance: every ActivityPub
// id and web URL is built here, so the layout is decided once.
package uris

import "strings"

// Layout builds URLs for one instance. Base is "https://host".
type Layout struct{ Base string }

func New(base string) Layout { return Layout{Base: strings.TrimRight(base, "/")} }

func (l Layout) Actor(username string) string     { return l.Base + "/users/" + username }
func (l Layout) Profile(username string) string   { return l.Base + "/@" + username }
func (l Layout) Inbox(username string) string     { return l.Actor(username) + "/inbox" }
func (l Layout) Outbox(username string) string    { return l.Actor(username) + "/outbox" }
func (l Layout) Followers(username string) string { return l.Actor(username) + "/followers" }
func (l Layout) Following(username string) string { return l.Actor(username) + "/following" }
func (l Layout) Featured(username string) string  { return l.Actor(username) + "/collections/featured" }
func (l Layout) Members(username string) string   { return l.Actor(username) + "/members" }
func (l Layout) KeyID(username string) string     { return l.Actor(username) + "#main-key" }
func (l Layout) SharedInbox() string              { return l.Base + "/inbox" }
func (l Layout) InstanceActor() string            { return l.Base + "/actor" }
func (l Layout) InstanceKeyID() string            { return l.InstanceActor() + "#main-key" }

func (l Layout) Status(username, id string) string    { return l.Actor(username) + "/statuses/" + id }
func (l Layout) StatusURL(username, id string) string { return l.Profile(username) + "/" + id }
func (l Layout) Activity(id string) string            { return l.Base + "/activities/" + id }
func (l Layout) Tag(name string) string               { return l.Base + "/tags/" + name }
func (l Layout) Event(id string) string               { return l.Base + "/events/" + id }
func (l Layout) Media(path string) string             { return l.Base + "/media/" + path }

// InstanceActorUsername is reserved: the instance actor signs our fetches
// so that remote servers do not learn which member is looking (H-13).
const InstanceActorUsername = "instance.actor"
