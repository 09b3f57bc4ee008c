// Package mail sends e-mail through the SMTP server of the smtp: config
// section. Password resets, sign-up notices, approvals, guests'
// confirmation links and notification digests all go through Sender, so
// tests swap in a local catcher (mailtest) and a server without SMTP
// simply has no Sender (nil).
//
// Sending uses github.com/wneessen/go-mail: it does STARTTLS, implicit
// TLS, SMTP AUTH and RFC 5322 encoding (headers, quoted-printable bodies,
// Message-ID, Date) correctly, which hand-written net/smtp code kept
// getting subtly wrong.
package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/coopol/coopol/config"
)

// Message is one plain-text mail to one person. Mail is sent to one
// address at a time: a list of recipients in one message would show
// every address to every reader.
type Message struct {
	To      string
	Subject string
	Text    string
	// UnsubscribeURL, when set, is a one-click unsubscribe link (RFC 8058):
	// mail programs show an "unsubscribe" button that POSTs to it. Every
	// notification or digest mail carries one; transactional mail
	// (password reset, confirmation links) does not.
	UnsubscribeURL string
}

// Sender sends one message. It is nil when smtp.host is empty.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// ErrInvalid is returned for a message that cannot be sent as given (an
// address with line breaks, an empty recipient). Retrying will not help.
var ErrInvalid = errors.New("mail: invalid message")

// New returns the SMTP sender of cfg, or nil when no SMTP host is set.
// host is the instance's host (for the default sender address and the
// Message-ID).
func New(cfg config.SMTP, host string) Sender {
	if cfg.Host == "" {
		return nil
	}
	return &SMTP{Config: cfg, InstanceHost: host}
}

// SMTP sends through one SMTP server: STARTTLS when the server offers it
// (port 587 and others), implicit TLS on port 465.
type SMTP struct {
	Config       config.SMTP
	InstanceHost string
	// Timeout bounds one connection; 30 s when zero.
	Timeout time.Duration
}

// From is the sender address: smtp.from, or noreply@<instance host>.
func (s *SMTP) From() string {
	if s.Config.From != "" {
		return s.Config.From
	}
	return "noreply@" + hostOnly(s.InstanceHost)
}

func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg, err := s.build(m)
	if err != nil {
		return err
	}
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	opts := []gomail.Option{gomail.WithPort(s.Config.Port), gomail.WithTimeout(timeout), gomail.WithHELO(hostOnly(s.InstanceHost))}
	if s.Config.Port == 465 {
		opts = append(opts, gomail.WithSSL())
	} else {
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if s.Config.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.Config.Username), gomail.WithPassword(s.Config.Password))
	}
	client, err := gomail.NewClient(s.Config.Host, opts...)
	if err != nil {
		return fmt.Errorf("mail: client: %w", err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		// go-mail's errors and the server's replies name the recipient;
		// the error is logged and kept by the queue, so the address is
		// taken out (no %w: the original would carry it on).
		return fmt.Errorf("mail: send through %s: %s", s.Config.Host, redact(err.Error(), m.To))
	}
	return nil
}

func (s *SMTP) build(m Message) (*gomail.Msg, error) {
	if m.To == "" || strings.ContainsAny(m.To+m.UnsubscribeURL, "\r\n") {
		return nil, ErrInvalid
	}
	// A subject is one line: line breaks in a title (a remote event's,
	// say) become spaces rather than costing the mail (no header
	// injection either way).
	m.Subject = strings.Join(strings.Fields(m.Subject), " ")
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
	if err := msg.From(s.From()); err != nil {
		return nil, fmt.Errorf("mail: sender address: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("%w: recipient address", ErrInvalid)
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(newID() + "@" + hostOnly(s.InstanceHost))
	msg.SetDate()
	// Automatic mail: out-of-office replies must not answer it.
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	if m.UnsubscribeURL != "" {
		msg.SetGenHeaderPreformatted(gomail.HeaderListUnsubscribe, "<"+m.UnsubscribeURL+">")
		msg.SetGenHeaderPreformatted(gomail.HeaderListUnsubscribePost, "List-Unsubscribe=One-Click")
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	return msg, nil
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// redact removes every spelling of addr from text.
func redact(text, addr string) string {
	if addr == "" {
		return text
	}
	lower, laddr := strings.ToLower(text), strings.ToLower(addr)
	var b strings.Builder
	for {
		i := strings.Index(lower, laddr)
		if i < 0 {
			b.WriteString(text)
			return b.String()
		}
		b.WriteString(text[:i])
		b.WriteString("<recipient>")
		text, lower = text[i+len(addr):], lower[i+len(addr):]
	}
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}
