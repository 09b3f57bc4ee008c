package mail_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/coopol/coopol/config"
	"github.com/coopol/coopol/mail"
	"github.com/coopol/coopol/mail/mailtest"
)

func TestSendReachesTheServerDecodable(t *testing.T) {
	catcher := mailtest.Start(t)
	s := mail.New(config.SMTP{Host: catcher.Host, Port: catcher.Port}, "section-a.test:8080")
	err := s.Send(context.Background(), mail.Message{
		To: "aline@example.org", Subject: "Rendez-vous à l’église ✊",
		Text:           "Bonjour Aline,\nle point de rendez-vous a changé : place de l’Église.\n",
		UnsubscribeURL: "https://section-a.test/unsubscribe?token=abc",
	})
	if err != nil {
		t.Fatal(err)
	}
	m := catcher.WaitTo(t, "aline@example.org", "place de l’Église", 5*time.Second)
	if m.Subject != "Rendez-vous à l’église ✊" {
		t.Errorf("subject %q", m.Subject)
	}
	if m.From != "noreply@section-a.test" {
		t.Errorf("from %q", m.From)
	}
	if got := m.Header.Get("List-Unsubscribe"); got != "<https://section-a.test/unsubscribe?token=abc>" {
		t.Errorf("List-Unsubscribe %q", got)
	}
	if got := m.Header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post %q", got)
	}
	if !strings.HasSuffix(m.Header.Get("Message-Id"), "@section-a.test>") {
		t.Errorf("Message-ID %q", m.Header.Get("Message-Id"))
	}
}

// A header injection through a subject or an address is refused before
// anything is sent.
func TestSendRefusesLineBreaksInHeaders(t *testing.T) {
	catcher := mailtest.Start(t)
	s := mail.New(config.SMTP{Host: catcher.Host, Port: catcher.Port}, "section-a.test")
	for _, m := range []mail.Message{
		{To: "a@example.org\r\nBcc: eve@example.org", Subject: "x", Text: "x"},
		{To: "", Subject: "x", Text: "x"},
	} {
		if err := s.Send(context.Background(), m); !errors.Is(err, mail.ErrInvalid) {
			t.Errorf("%q: err %v, want ErrInvalid", m.To, err)
		}
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(catcher.Messages()); n != 0 {
		t.Fatalf("%d message(s) sent", n)
	}
}

func TestNoHostNoSender(t *testing.T) {
	if mail.New(config.SMTP{}, "x.test") != nil {
		t.Fatal("a sender without smtp.host")
	}
}

// A refused recipient: the error (logged, kept by the queue) does not
// carry the address.
func TestSendErrorDoesNotNameTheRecipient(t *testing.T) {
	catcher := mailtest.Start(t)
	catcher.RejectRcpt = func(string) bool { return true }
	s := mail.New(config.SMTP{Host: catcher.Host, Port: catcher.Port}, "section-a.test")
	err := s.Send(context.Background(), mail.Message{To: "Secret.Member@Example.org", Subject: "x", Text: "x"})
	if err == nil {
		t.Fatal("sent to a refused recipient")
	}
	if strings.Contains(strings.ToLower(err.Error()), "secret.member@example.org") {
		t.Fatalf("the error names the recipient: %v", err)
	}
}

// A line break in a subject (an event's title) is a space: the mail goes,
// with no injected header.
func TestSubjectIsOneLine(t *testing.T) {
	catcher := mailtest.Start(t)
	s := mail.New(config.SMTP{Host: catcher.Host, Port: catcher.Port}, "section-a.test")
	if err := s.Send(context.Background(), mail.Message{To: "a@example.org", Subject: "Tractage\r\nBcc: eve@example.org", Text: "x"}); err != nil {
		t.Fatal(err)
	}
	m := catcher.WaitTo(t, "a@example.org", "", 5*time.Second)
	if m.Subject != "Tractage Bcc: eve@example.org" || m.Header.Get("Bcc") != "" || len(catcher.To("eve@example.org")) != 0 {
		t.Fatalf("subject %q, bcc %q", m.Subject, m.Header.Get("Bcc"))
	}
}
