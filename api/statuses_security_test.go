package api_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/coopol/coopol/coopoltest"
)

// TestC07_LocalFieldSizeLimits: a post longer than the instance's limit
// (content warning included) and over-long or too many profile fields
// are refused with 422 and store nothing; a post of exactly the limit is
// accepted.
func TestC07_LocalFieldSizeLimits(t *testing.T) {
	eachInstance(t, func(t *testing.T, inst *coopoltest.Instance) {
		_, ac := login(t, inst, "alice", false)
		ctx := context.Background()
		limit := inst.Config.Instance.MaxStatusChars
		count := func() int {
			n, err := inst.Store.DB.NewSelect().TableExpr("statuses").Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return int(n)
		}
		before := count()
		ac.post("/api/v1/statuses", url.Values{"status": {strings.Repeat("é", limit+1)}}).status(http.StatusUnprocessableEntity)
		ac.post("/api/v1/statuses", url.Values{"status": {strings.Repeat("a", limit-10)}, "spoiler_text": {strings.Repeat("b", 11)}}).status(http.StatusUnprocessableEntity)
		if count() != before {
			t.Fatal("a refused post was stored")
		}
		ac.post("/api/v1/statuses", url.Values{"status": {strings.Repeat("é", limit)}}).obj()

		update := func(form url.Values) *response {
			return ac.do("PATCH", "/api/v1/accounts/update_credentials", form)
		}
		update(url.Values{"note": {strings.Repeat("x", 501)}}).status(http.StatusUnprocessableEntity)
		update(url.Values{"display_name": {strings.Repeat("x", 31)}}).status(http.StatusUnprocessableEntity)
		update(url.Values{"fields_attributes[0][name]": {"a"}, "fields_attributes[0][value]": {strings.Repeat("x", 256)}}).status(http.StatusUnprocessableEntity)
		five := url.Values{}
		for i := range 5 {
			five.Set("fields_attributes["+strconv.Itoa(i)+"][name]", "n"+strconv.Itoa(i))
			five.Set("fields_attributes["+strconv.Itoa(i)+"][value]", "v")
		}
		update(five).status(http.StatusUnprocessableEntity)
		me := ac.get("/api/v1/accounts/verify_credentials").obj()
		if me["display_name"] != "" || me["note"] != "" || len(me["fields"].([]any)) != 0 {
			t.Fatalf("a refused profile update was applied: %v %v %v", me["display_name"], me["note"], me["fields"])
		}
	})
}
