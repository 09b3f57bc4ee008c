// Package fedify runs Coopol against a second, independent ActivityPub
// implementation: the Fedify peer of peer.mjs (issue 15). run.sh installs
// its npm packages and a Node that Fedify supports, then runs this test
// with COOPOL_FEDIFY_NODE set; without it the test is skipped.
package fedify

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage/storagetest"
)

type peer struct {
	URL, Host string
	client    *http.Client
}

type described struct {
	Class, ID, Name, Content, Summary, AttributedTo, StartTime string
}

type received struct {
	Type, ID, Actor string
	Object          *described
	Raw             map[string]any
}

type peerState struct {
	Received   []received
	SignedGets []struct {
		Signer, Handle string
		WebfingerOk    bool
	}
	RefusedGets []string
	Following   map[string]string
	Followers   []string
	Errors      []string
}

// startPeer runs node peer.mjs; it stops when its standard input closes.
func startPeer(t *testing.T, node string) *peer {
	t.Helper()
	cmd := exec.Command(node, "peer.mjs")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }() //nolint:errcheck
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill() //nolint:errcheck
		}
		if t.Failed() && stderr.Len() > 0 {
			t.Logf("peer stderr:\n%s", stderr.String())
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("the Fedify peer did not start: %v\n%s", err, stderr.String())
	}
	p := &peer{client: &http.Client{Timeout: 30 * time.Second}}
	if err := json.Unmarshal([]byte(line), p); err != nil {
		t.Fatalf("peer said %q: %v", line, err)
	}
	return p
}

func (p *peer) control(t *testing.T, path string, in any, out any) {
	t.Helper()
	var body io.Reader
	method := http.MethodGet
	if in != nil {
		b, _ := json.Marshal(in)
		body, method = bytes.NewReader(b), http.MethodPost
	}
	req, _ := http.NewRequest(method, p.URL+path, body)
	resp, err := p.client.Do(req)
	if err != nil {
		t.Fatalf("peer %s: %v", path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("peer %s: HTTP %d: %s", path, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("peer %s: %v", path, err)
		}
	}
}

func (p *peer) state(t *testing.T) peerState {
	t.Helper()
	var s peerState
	p.control(t, "/control/state", nil, &s)
	return s
}

// waitFor polls the peer until it has received an activity matching ok.
func (p *peer) waitFor(t *testing.T, what string, ok func(r received) bool) received {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s := p.state(t)
		for _, r := range s.Received {
			if ok(r) {
				return r
			}
		}
		if time.Now().After(deadline) {
			var got []string
			for _, r := range s.Received {
				got = append(got, r.Type+" "+r.ID)
			}
			t.Fatalf("the Fedify peer never received %s; it got %v; refused GETs %q; errors %q", what, got, s.RefusedGets, s.Errors)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestFedifyPeer(t *testing.T) {
	node := os.Getenv("COOPOL_FEDIFY_NODE")
	if node == "" {
		t.Skip("COOPOL_FEDIFY_NODE is not set: run tests/fedify/run.sh")
	}
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) { fedifyScenario(t, backend, node) })
	}
}

func fedifyScenario(t *testing.T, backend, node string) {
	ctx := context.Background()
	// Authorized fetch: the peer's fetches of our objects must be signed.
	a := coopoltest.StartLoopback(t, backend, func(c *config.Config) { c.Federation.AuthorizedFetch = true })
	p := startPeer(t, node)
	alice := a.CreateUser(t, "alice", false)
	bob := a.CreateUser(t, "bob", false)
	group, err := a.Social.CreateGroup(ctx, alice, social.NewGroup{Username: "climat", Openness: social.OpennessOpen})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Social.JoinGroup(ctx, bob, group); err != nil {
		t.Fatal(err)
	}
	fredURI := p.URL + "/users/fred"

	// 1. The peer WebFingers alice and the group and follows them; Coopol
	// must resolve fred through a signed fetch the peer accepts only
	// because our instance actor WebFingers back.
	for _, who := range []*model.Account{alice, group} {
		var out struct{ Actor string }
		p.control(t, "/control/follow", map[string]string{"handle": who.Username + "@" + a.Host}, &out)
		if out.Actor != who.URI {
			t.Fatalf("peer resolved %s@%s to %s", who.Username, a.Host, out.Actor)
		}
		p.waitFor(t, "Accept of its Follow of "+who.URI, func(r received) bool { return r.Type == "Accept" && r.Actor == who.URI })
		fred, err := a.Store.AccountByURI(ctx, fredURI)
		if err != nil {
			t.Fatalf("Coopol does not know fred: %v", err)
		}
		if f, err := a.Store.Follow(ctx, fred.ID, who.ID); err != nil || f.State != model.FollowAccepted {
			t.Fatalf("fred's follow of %s on Coopol: %v", who.URI, err)
		}
	}
	s := p.state(t)
	signedByUs := false
	for _, g := range s.SignedGets {
		signedByUs = signedByUs || (g.Signer == a.Base()+"/actor" && g.WebfingerOk)
	}
	if !signedByUs || len(s.RefusedGets) > 0 {
		t.Fatalf("the peer did not verify Coopol's instance actor: signed GETs %+v, refused %q", s.SignedGets, s.RefusedGets)
	}

	// 2. A post, verified by Fedify (signature and origin).
	post, err := a.Social.CreateStatus(ctx, alice, social.NewStatus{Text: "Réunion publique jeudi 19h", Visibility: model.VisibilityPublic})
	if err != nil {
		t.Fatal(err)
	}
	r := p.waitFor(t, "Create(Note) of alice's post", func(r received) bool {
		return r.Type == "Create" && r.Object != nil && r.Object.ID == post.URI
	})
	if r.Object.Class != "Note" || !strings.Contains(r.Object.Content, "Réunion publique jeudi 19h") || r.Object.AttributedTo != alice.URI {
		t.Fatalf("post as Fedify sees it: %+v", r.Object)
	}

	// 3. A group boost: bob posts in the group, the group Announces it to
	// its followers; the peer fetches the object from its origin, signed
	// by its instance actor (authorized fetch is on).
	groupPost, err := a.Social.CreateStatus(ctx, bob, social.NewStatus{Text: "Marche pour le climat samedi", Visibility: model.VisibilityPublic, GroupID: group.ID})
	if err != nil {
		t.Fatal(err)
	}
	r = p.waitFor(t, "the group's Announce of bob's post", func(r received) bool { return r.Type == "Announce" && r.Actor == group.URI })
	if r.Object == nil || r.Object.ID != groupPost.URI || !strings.Contains(r.Object.Content, "Marche pour le climat") || r.Object.AttributedTo != bob.URI {
		t.Fatalf("boosted object as Fedify fetched it: %+v (errors %q)", r.Object, p.state(t).Errors)
	}

	// 4. An event: title and facts in content, no summary (no content
	// warning on microblogs), and Mobilizon's name and startTime.
	places := 6
	start := time.Date(2027, 3, 13, 9, 30, 0, 0, time.UTC)
	ev, err := a.Social.CreateEvent(ctx, alice, social.NewEvent{Title: "Marché de la Croix-Rousse", Description: "Tractage climat",
		StartAt: start, EndAt: start.Add(2 * time.Hour), PlaceName: "Place de la Croix-Rousse", Locality: "Lyon", Capacity: &places})
	if err != nil {
		t.Fatal(err)
	}
	r = p.waitFor(t, "Create(Event)", func(r received) bool { return r.Type == "Create" && r.Object != nil && r.Object.ID == ev.URI })
	for _, want := range []string{"Marché de la Croix-Rousse", "samedi 13 mars 2027", "Place de la Croix-Rousse", "0/6"} {
		if !strings.Contains(r.Object.Content, want) {
			t.Errorf("event content lacks %q: %q", want, r.Object.Content)
		}
	}
	if r.Object.Class != "Event" || r.Object.Summary != "" || r.Object.Name != "Marché de la Croix-Rousse" || !strings.HasPrefix(r.Object.StartTime, "2027-03-13T09:30") {
		t.Fatalf("event as Fedify sees it: %+v", r.Object)
	}

	// 5. An edit and a deletion of alice's post.
	if _, err := a.Social.EditStatus(ctx, alice, post.ID, social.NewStatus{Text: "Réunion publique jeudi 20h", Visibility: model.VisibilityPublic}); err != nil {
		t.Fatal(err)
	}
	r = p.waitFor(t, "Update of alice's post", func(r received) bool {
		return r.Type == "Update" && r.Object != nil && r.Object.ID == post.URI
	})
	if !strings.Contains(r.Object.Content, "jeudi 20h") {
		t.Fatalf("edited post as Fedify sees it: %+v", r.Object)
	}
	if err := a.Social.DeleteStatus(ctx, alice, post.ID); err != nil {
		t.Fatal(err)
	}
	p.waitFor(t, "Delete of alice's post", func(r received) bool {
		return r.Type == "Delete" && r.Object != nil && r.Object.ID == post.URI && r.Actor == alice.URI
	})

	// 6. The peer's own fetch of a Coopol object, signed by its instance
	// actor, which WebFingers back to itself.
	unsigned, err := http.Get(a.URL("/users/bob/statuses/" + groupPost.ID))
	if err != nil {
		t.Fatal(err)
	}
	unsigned.Body.Close()
	if unsigned.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unsigned fetch under authorized fetch: HTTP %d", unsigned.StatusCode)
	}
	var fetched struct{ Document map[string]any }
	p.control(t, "/control/fetch", map[string]string{"url": groupPost.URI}, &fetched)
	if fetched.Document["id"] != groupPost.URI {
		t.Fatalf("peer's signed fetch: %v", fetched.Document)
	}
	if _, err := a.Store.AccountByURI(ctx, p.URL+"/users/instance"); err != nil {
		t.Fatalf("Coopol did not verify the peer's instance actor: %v", err)
	}
	var jrd struct {
		Subject string
		Links   []struct{ Rel, Type, Href string }
	}
	resp, err := http.Get(p.URL + "/.well-known/webfinger?resource=acct:instance@" + p.Host)
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&jrd) //nolint:errcheck
	resp.Body.Close()
	if jrd.Subject != "acct:instance@"+p.Host || len(jrd.Links) == 0 || jrd.Links[0].Href != p.URL+"/users/instance" {
		t.Fatalf("the peer's instance actor does not WebFinger back: %+v", jrd)
	}

	// 7. The other way: Coopol resolves and follows fred, and receives
	// his post.
	fred, err := a.Server.Federation.ResolveHandle(ctx, "fred", p.Host)
	if err != nil {
		t.Fatalf("Coopol resolving fred@%s: %v", p.Host, err)
	}
	if _, err := a.Social.Follow(ctx, alice, fred); err != nil {
		t.Fatal(err)
	}
	coopoltest.Eventually(t, "fred accepts alice's follow", func() bool {
		f, err := a.Store.Follow(ctx, alice.ID, fred.ID)
		return err == nil && f.State == model.FollowAccepted
	})
	var note struct {
		ID         string
		Recipients int
	}
	p.control(t, "/control/post", map[string]string{"content": "<p>Bonjour de Fedify</p>"}, &note)
	if note.Recipients != 1 {
		t.Fatalf("fred's post went to %d servers", note.Recipients)
	}
	coopoltest.Eventually(t, "fred's post stored on Coopol", func() bool {
		st, err := a.Store.StatusByURI(ctx, note.ID)
		return err == nil && strings.Contains(st.Content, "Bonjour de Fedify")
	})

	if s := p.state(t); len(s.Errors) > 0 || len(s.RefusedGets) > 0 {
		t.Fatalf("the peer reported errors %q and refused GETs %q", s.Errors, s.RefusedGets)
	}
}
