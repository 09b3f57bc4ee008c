package api_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/coopol/coopol/coopoltest"
)

func TestPollsAPI(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		_, alice := login(t, inst, "alice", false)
		_, bob := login(t, inst, "bob", false)
		form := url.Values{"status": {"Tract A ou B ?"}, "poll[options][]": {"A", "B", "Les deux"}, "poll[expires_in]": {"3600"}, "poll[multiple]": {"true"}}
		st := alice.post("/api/v1/statuses", form).obj()
		pollID := str(st, "poll.id")
		if pollID == "" || len(path(st, "poll.options").([]any)) != 3 || path(st, "poll.multiple") != true {
			t.Fatalf("status with poll: %v", st)
		}
		got := bob.post("/api/v1/polls/"+pollID+"/votes", map[string]any{"choices": []string{"0", "2"}}).obj()
		if path(got, "votes_count") != float64(2) || path(got, "voters_count") != float64(1) || path(got, "voted") != true {
			t.Fatalf("after vote: %v", got)
		}
		bob.post("/api/v1/polls/"+pollID+"/votes", map[string]any{"choices": []string{"1"}}).status(http.StatusUnprocessableEntity)
		alice.post("/api/v1/polls/"+pollID+"/votes", map[string]any{"choices": []string{"1"}}).status(http.StatusUnprocessableEntity)
		bob.post("/api/v1/polls/"+pollID+"/votes", map[string]any{"choices": []string{"7"}}).status(http.StatusUnprocessableEntity)
		alice.post("/api/v1/statuses", url.Values{"status": {"x"}, "poll[options][]": {"seule"}, "poll[expires_in]": {"3600"}}).status(http.StatusUnprocessableEntity)
		if p := anonymous(t, inst).get("/api/v1/polls/" + pollID).obj(); path(p, "votes_count") != float64(2) {
			t.Fatalf("anonymous poll view: %v", p)
		}
	})
}
