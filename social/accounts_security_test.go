package social_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage/storagetest"
)

// TestU08_SignUpEmailParsedStrictly: e-mail addresses that a lenient
// parser or a mailer could read as another address (display names,
// quoted or encoded local parts, comments, lists, domain literals, header
// injection) are refused, and no account is created for them.
func TestU08_SignUpEmailParsedStrictly(t *testing.T) {
	store := storagetest.Open(t, "sqlite")
	cfg := config.Default()
	cfg.Host = "section-a.test"
	svc := social.New(cfg, store, nil, slog.New(slog.DiscardHandler))
	ctx := context.Background()
	create := func(i int, email string) error {
		_, err := svc.CreateUser(ctx, social.NewUser{Username: fmt.Sprintf("u%d", i), Email: email,
			Password: "long enough password", Role: model.RoleSympathisant})
		return err
	}
	for i, email := range []string{
		`"alice@example.org"@evil.example`,             // quoted local part carrying an address
		`"alice"@example.org`,                          // quoted local part
		`"a b"@example.org`,                            // quoted space
		`"alice\"@example.org"@evil.example`,           // quoted, escaped quote
		`Alice <alice@example.org>`,                    // display name
		`<alice@example.org>`,                          // angle address
		`alice@example.org (Alice)`,                    // trailing comment
		`(x)alice@example.org`,                         // leading comment
		`=?utf-8?q?alice=40evil.example?=@example.org`, // RFC 2047 encoded word as local part
		`=?utf-8?b?YWxpY2U=?=@example.org`,
		`alice@[127.0.0.1]`,                   // domain literal
		`alice@example.org, bob@evil.example`, // list
		"alice@example.org\r\nBcc: bob@evil.example",
		`alice@example.org@evil.example`,
		`alice`, `@example.org`, ``,
	} {
		err := create(i, email)
		var verr *social.ValidationError
		if !errors.As(err, &verr) {
			t.Errorf("%q: %v, want a validation error", email, err)
		}
	}
	if n, _ := store.DB.NewSelect().TableExpr("users").Count(ctx); n != 0 {
		t.Fatalf("%d users created from refused addresses", n)
	}
	// Ordinary addresses are fine.
	for i, email := range []string{"alice@example.org", "alice.martin+section@mail.example.org", "o'brien@example.org"} {
		if err := create(100+i, email); err != nil {
			t.Errorf("%q refused: %v", email, err)
		}
	}
}
