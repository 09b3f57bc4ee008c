package server_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/auth"
	"github.com/coopol/coopol/coopoltest"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
	"github.com/coopol/coopol/storage/storagetest"
)

// queryCounter counts the statements a request sends to the database:
// only those whose context carries it, so the queue and other background
// work on the same pool do not blur the figure. It sees what goes
// through bun; the two statements the storage prepares itself (the
// request's one look at row_changes, and the token when it is not
// cached) are not counted: add one to each figure.
type queryCounter struct {
	mu      sync.Mutex
	queries []string
}

type counterKey struct{}

func (qc *queryCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (qc *queryCounter) AfterQuery(ctx context.Context, ev *bun.QueryEvent) {
	if c, _ := ctx.Value(counterKey{}).(*queryCounter); c != nil {
		c.mu.Lock()
		c.queries = append(c.queries, ev.Query)
		c.mu.Unlock()
	}
}

// countQueries serves one GET on the instance's handler and returns how
// many statements it cost.
func countQueries(t *testing.T, inst *coopoltest.Instance, path, token string, cookie *http.Cookie) (int, []string) {
	t.Helper()
	qc := &queryCounter{}
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.Host = inst.Host
	r = r.WithContext(context.WithValue(r.Context(), counterKey{}, qc))
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	if cookie != nil {
		r.AddCookie(cookie)
	}
	w := httptest.NewRecorder()
	inst.Server.Handler.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, w.Code, w.Body.String())
	}
	short := make([]string, len(qc.queries))
	for i, q := range qc.queries {
		short[i] = q[:min(len(q), 160)]
	}
	return len(qc.queries), short
}

func pngBytes(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{200, 10, 10, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestPageQueryCountIsFixed is the CI guard of issue 17: a page costs a
// fixed number of statements whatever its length. A page of 40 statuses
// mixing boosts, replies, media, polls, events and group posts may cost
// no more than a page of 12 (which already holds every kind), nor more
// than a page of 1 plus a constant; the web home page costs the same with
// 8 rounds of posts as with 2. No timing is asserted.
func TestPageQueryCountIsFixed(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			inst := coopoltest.Start(t, backend, []string{"section-a.test"})[0]
			counter := &queryCounter{}
			inst.Store.DB.AddQueryHook(counter)
			ctx := context.Background()
			svc := inst.Social
			reader := inst.CreateUser(t, "reader", false)
			author := inst.CreateUser(t, "author", false)
			other := inst.CreateUser(t, "other", false)
			for _, target := range []*model.Account{author, other} {
				if _, err := svc.Follow(ctx, reader, target); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := svc.Follow(ctx, author, reader); err != nil {
				t.Fatal(err)
			}
			group, err := svc.CreateGroup(ctx, author, social.NewGroup{Username: "velo", DisplayName: "Vélo", Openness: "open"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.JoinGroup(ctx, reader, group); err != nil {
				t.Fatal(err)
			}
			list := &storage.List{ID: model.NewID(time.Now()), AccountID: reader.ID, Title: "Suivis", RepliesPolicy: "list",
				CreatedAt: time.Now(), UpdatedAt: time.Now()}
			if err := inst.Store.CreateList(ctx, list); err != nil {
				t.Fatal(err)
			}
			if err := inst.Store.AddListAccounts(ctx, list.ID, []string{author.ID, other.ID}, time.Now()); err != nil {
				t.Fatal(err)
			}
			token := readToken(t, inst, reader)
			cookie := webSession(t, inst, reader)
			img := pngBytes(t)

			post := func(a *model.Account, in social.NewStatus) *model.Status {
				t.Helper()
				if in.Visibility == "" {
					in.Visibility = model.VisibilityPublic
				}
				st, err := svc.CreateStatus(ctx, a, in)
				if err != nil {
					t.Fatal(err)
				}
				return st
			}
			// One round holds every kind a timeline shows, newest last.
			round := func(i int) {
				t.Helper()
				mine := post(reader, social.NewStatus{Text: fmt.Sprintf("mon message %d #velo", i)})
				post(author, social.NewStatus{Text: fmt.Sprintf("@reader réponse %d", i), InReplyToID: mine.ID})
				if _, err := svc.Favourite(ctx, author, mine.ID); err != nil {
					t.Fatal(err)
				}
				if _, err := svc.Reblog(ctx, author, mine.ID); err != nil {
					t.Fatal(err)
				}
				theirs := post(other, social.NewStatus{Text: fmt.Sprintf("autre %d #velo", i)})
				if _, err := svc.Reblog(ctx, author, theirs.ID); err != nil {
					t.Fatal(err)
				}
				post(author, social.NewStatus{Text: fmt.Sprintf("sondage %d", i),
					Poll: &social.NewPoll{Options: []string{"oui", "non"}, ExpiresIn: time.Hour}})
				m, err := inst.Server.Media.Upload(ctx, author, bytes.NewReader(img), "photo.png", "une photo", 0, 0)
				if err != nil {
					t.Fatal(err)
				}
				post(author, social.NewStatus{Text: fmt.Sprintf("photo %d", i), MediaIDs: []string{m.ID}})
				start := time.Now().Add(time.Duration(24*(i+1)) * time.Hour).UTC().Truncate(time.Minute)
				if _, err := svc.CreateEvent(ctx, author, social.NewEvent{Title: fmt.Sprintf("Réunion %d", i), StartAt: start,
					EndAt: start.Add(time.Hour), PlaceName: "Bourse du travail", Locality: "Lyon"}); err != nil {
					t.Fatal(err)
				}
				post(author, social.NewStatus{Text: fmt.Sprintf("dans le groupe %d", i), GroupID: group.ID})
				post(author, social.NewStatus{Text: fmt.Sprintf("simple %d", i)})
			}

			round(0)
			round(1)
			countQueries(t, inst, "/home", "", cookie) // warm, as below
			webSmall, _ := countQueries(t, inst, "/home", "", cookie)
			for i := 2; i < 8; i++ {
				round(i)
			}
			countQueries(t, inst, "/home", "", cookie)
			webLarge, queries := countQueries(t, inst, "/home", "", cookie)
			t.Logf("web /home: %d statements after 2 rounds, %d after 8", webSmall, webLarge)
			if webLarge > webSmall {
				t.Errorf("web /home grows with its length: %d statements, %d with fewer posts\n%s", webLarge, webSmall, strings.Join(queries, "\n"))
			}

			for _, page := range []string{
				"/api/v1/timelines/home",
				"/api/v1/timelines/public?local=true",
				"/api/v1/timelines/tag/velo",
				"/api/v1/accounts/" + author.ID + "/statuses",
				"/api/v1/notifications",
				"/api/v1/timelines/list/" + list.ID,
			} {
				sep := "?"
				if strings.Contains(page, "?") {
					sep = "&"
				}
				// Each page is counted warm (asked once before): the row
				// cache makes a page that is partly cached cost one
				// statement more than a cold or a warm one (statuses, then
				// their authors), a constant that would blur the figure.
				warmCount := func(path string) (int, []string) {
					countQueries(t, inst, path, token, nil)
					return countQueries(t, inst, path, token, nil)
				}
				one, _ := warmCount(page + sep + "limit=1")
				twelve, _ := warmCount(page + sep + "limit=12")
				forty, queries := warmCount(page + sep + "limit=40")
				t.Logf("%s: %d statements for 1 item, %d for 12, %d for 40", page, one, twelve, forty)
				const perKind = 10 // batch look-ups for boosts, polls, media… that a 1-item page may not need
				if forty > twelve || forty > one+perKind {
					t.Errorf("%s grows with its length: %d statements for 40, %d for 12, %d for 1\n%s",
						page, forty, twelve, one, strings.Join(queries, "\n"))
				}
			}
		})
	}
}

func readToken(t *testing.T, inst *coopoltest.Instance, account *model.Account) string {
	t.Helper()
	ctx := context.Background()
	u, err := inst.Store.UserByAccountID(ctx, account.ID)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	app := &model.OAuthApplication{ID: model.NewID(now), Name: "Test client", Website: "https://client.example",
		RedirectURIs: []string{"urn:ietf:wg:oauth:2.0:oob"}, Scopes: "read", ClientID: auth.NewToken(),
		ClientSecretHash: auth.HashToken(auth.NewToken()), CreatedAt: now}
	if err := inst.Store.CreateOAuthApplication(ctx, app); err != nil {
		t.Fatal(err)
	}
	raw := auth.NewToken()
	tok := &model.OAuthToken{ID: model.NewID(now), TokenHash: auth.HashToken(raw), ApplicationID: app.ID, UserID: &u.ID, Scopes: "read", CreatedAt: now}
	if err := inst.Store.CreateOAuthToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	return raw
}

func webSession(t *testing.T, inst *coopoltest.Instance, account *model.Account) *http.Cookie {
	t.Helper()
	ctx := context.Background()
	u, err := inst.Store.UserByAccountID(ctx, account.ID)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	raw := auth.NewToken()
	ws := &model.WebSession{ID: model.NewID(now), TokenHash: auth.HashToken(raw), UserID: u.ID, CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := inst.Store.CreateWebSession(ctx, ws); err != nil {
		t.Fatal(err)
	}
	return &http.Cookie{Name: "coopol_session", Value: raw}
}
