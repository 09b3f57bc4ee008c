package ap

import (
	"fmt"
	"time"

	"github.com/superseriousbusiness/activity/streams"
	"github.com/superseriousbusiness/activity/streams/vocab"
)

// Activity describes an outgoing activity. Exactly one of ObjectIRI and
// Object is set.
type Activity struct {
	ID        string
	Type      string // Create, Update, Delete, Follow, Accept, Reject, Undo, Like, Announce, Block, Flag
	Actor     string
	ObjectIRI string
	Object    vocab.Type
	To, Cc    []string
	Published time.Time
}

type activityBuilder interface {
	vocab.Type
	SetJSONLDId(vocab.JSONLDIdProperty)
	SetActivityStreamsActor(vocab.ActivityStreamsActorProperty)
	SetActivityStreamsObject(vocab.ActivityStreamsObjectProperty)
	SetActivityStreamsTo(vocab.ActivityStreamsToProperty)
	SetActivityStreamsCc(vocab.ActivityStreamsCcProperty)
	SetActivityStreamsPublished(vocab.ActivityStreamsPublishedProperty)
}

func newActivity(typ string) (activityBuilder, error) {
	switch typ {
	case "Create":
		return streams.NewActivityStreamsCreate(), nil
	case "Update":
		return streams.NewActivityStreamsUpdate(), nil
	case "Delete":
		return streams.NewActivityStreamsDelete(), nil
	case "Follow":
		return streams.NewActivityStreamsFollow(), nil
	case "Accept":
		return streams.NewActivityStreamsAccept(), nil
	case "Reject":
		return streams.NewActivityStreamsReject(), nil
	case "Undo":
		return streams.NewActivityStreamsUndo(), nil
	case "Like":
		return streams.NewActivityStreamsLike(), nil
	case "Announce":
		return streams.NewActivityStreamsAnnounce(), nil
	case "Block":
		return streams.NewActivityStreamsBlock(), nil
	case "Flag":
		return streams.NewActivityStreamsFlag(), nil
	case "Move":
		return streams.NewActivityStreamsMove(), nil
	case "Join":
		return streams.NewActivityStreamsJoin(), nil
	case "TentativeAccept":
		return streams.NewActivityStreamsTentativeAccept(), nil
	case "Leave":
		return streams.NewActivityStreamsLeave(), nil
	case "Invite":
		return streams.NewActivityStreamsInvite(), nil
	case "Add":
		return streams.NewActivityStreamsAdd(), nil
	case "Remove":
		return streams.NewActivityStreamsRemove(), nil
	}
	return nil, fmt.Errorf("unknown activity type %q", typ)
}

// ActivityType builds the typed activity, for embedding (Undo, Accept).
func ActivityType(a *Activity) (vocab.Type, error) {
	t, err := newActivity(a.Type)
	if err != nil {
		return nil, err
	}
	t.SetJSONLDId(idProperty(a.ID))
	t.SetActivityStreamsActor(actorProperty(a.Actor))
	obj := streams.NewActivityStreamsObjectProperty()
	if a.Object != nil {
		if err := obj.AppendType(a.Object); err != nil {
			return nil, fmt.Errorf("embed %s in %s: %w", a.Object.GetTypeName(), a.Type, err)
		}
	} else {
		obj.AppendIRI(mustIRI(a.ObjectIRI))
	}
	t.SetActivityStreamsObject(obj)
	if len(a.To) > 0 {
		t.SetActivityStreamsTo(toProperty(a.To))
	}
	if len(a.Cc) > 0 {
		t.SetActivityStreamsCc(ccProperty(a.Cc))
	}
	if !a.Published.IsZero() {
		t.SetActivityStreamsPublished(publishedProperty(a.Published))
	}
	return t, nil
}

// BuildActivity serialises an activity; extraContext carries the terms of
// unknown properties of the embedded object.
func BuildActivity(a *Activity, extraContext map[string]any) (Document, error) {
	t, err := ActivityType(a)
	if err != nil {
		return nil, err
	}
	return serialize(t, extraContext)
}

// Tombstone is the object of a Delete.
func Tombstone(id string) vocab.Type {
	t := streams.NewActivityStreamsTombstone()
	t.SetJSONLDId(idProperty(id))
	return t
}

// Incoming is an activity received in an inbox, read leniently from its
// JSON after streams.ToType accepted it.
type Incoming struct {
	ID     string
	Type   string
	Actor  string
	To, Cc []string
	// ObjectID is the object's id, whether it was embedded or an IRI;
	// Object is the embedded object, nil when only an IRI was sent.
	ObjectID string
	Object   map[string]any
	Target   string
	Raw      map[string]any
}

// ParseIncoming reads the envelope of an activity.
func ParseIncoming(m map[string]any) (*Incoming, error) {
	in := &Incoming{ID: Str(m, "id"), Type: Type(m), Actor: ID(m["actor"]), Raw: m}
	if in.Type == "" {
		return nil, fmt.Errorf("activity has no type")
	}
	if Host(in.Actor) == "" {
		return nil, fmt.Errorf("activity has no usable actor")
	}
	if len(IDs(m["actor"])) != 1 {
		return nil, fmt.Errorf("activity must have exactly one actor")
	}
	if in.ID == "" {
		return nil, fmt.Errorf("activity has no id")
	}
	in.To, in.Cc = IDs(m["to"]), IDs(m["cc"])
	if len(in.To)+len(in.Cc) > maxAddressees {
		return nil, fmt.Errorf("activity has too many addressees")
	}
	in.Object = Object(m["object"])
	in.ObjectID = ID(m["object"])
	in.Target = ID(m["target"])
	return in, nil
}
