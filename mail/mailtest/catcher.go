// Package mailtest is an SMTP server on loopback for tests: it accepts
// every message and keeps it, decoded, for the test to read.
package mailtest

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one received mail, decoded.
type Message struct {
	From    string
	To      []string
	Subject string
	Text    string
	Header  mail.Header
	Raw     []byte
}

// Catcher is a running SMTP server.
type Catcher struct {
	Host string
	Port int
	// RejectRcpt, when set, makes the server refuse the recipients it
	// returns true for (550), as a real server refuses unknown mailboxes.
	RejectRcpt func(addr string) bool

	mu       sync.Mutex
	messages []Message
	arrived  chan struct{}
}

// Start runs a catcher on 127.0.0.1 until the test ends. Point the
// instance's smtp.host and smtp.port at Host and Port.
func Start(t testing.TB) *Catcher {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &Catcher{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, arrived: make(chan struct{}, 1)}
	srv := smtp.NewServer(backend{c})
	srv.Domain = "catcher.test"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.MaxMessageBytes = 10 << 20
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return c
}

// Messages returns what arrived so far.
func (c *Catcher) Messages() []Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Message(nil), c.messages...)
}

// To returns the messages sent to addr.
func (c *Catcher) To(addr string) []Message {
	var out []Message
	for _, m := range c.Messages() {
		for _, r := range m.To {
			if strings.EqualFold(r, addr) {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// Wait waits until at least n messages in all have arrived, or fails the
// test after timeout.
func (c *Catcher) Wait(t testing.TB, n int, timeout time.Duration) []Message {
	t.Helper()
	deadline := time.After(timeout)
	for {
		if msgs := c.Messages(); len(msgs) >= n {
			return msgs
		}
		select {
		case <-c.arrived:
		case <-deadline:
			t.Fatalf("mailtest: %d message(s) arrived, want %d", len(c.Messages()), n)
			return nil
		}
	}
}

// WaitTo waits for a message to addr whose subject or text contains
// want (any message when want is empty).
func (c *Catcher) WaitTo(t testing.TB, addr, want string, timeout time.Duration) Message {
	t.Helper()
	deadline := time.After(timeout)
	for {
		for _, m := range c.To(addr) {
			if want == "" || strings.Contains(m.Subject, want) || strings.Contains(m.Text, want) {
				return m
			}
		}
		select {
		case <-c.arrived:
		case <-deadline:
			t.Fatalf("mailtest: no mail to %s containing %q (%d message(s) in all)", addr, want, len(c.Messages()))
			return Message{}
		}
	}
}

func (c *Catcher) add(m Message) {
	c.mu.Lock()
	c.messages = append(c.messages, m)
	c.mu.Unlock()
	select {
	case c.arrived <- struct{}{}:
	default:
	}
}

type backend struct{ c *Catcher }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{c: b.c}, nil }

type session struct {
	c    *Catcher
	from string
	to   []string
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.c.RejectRcpt != nil && s.c.RejectRcpt(to) {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "<" + to + ">: no such mailbox"}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := decode(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, Message: "mailtest: " + err.Error()}
	}
	m.From, m.To = s.from, append([]string(nil), s.to...)
	s.c.add(m)
	return nil
}

// decode reads a single-part text message (what Coopol sends).
func decode(raw []byte) (Message, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Message{}, err
	}
	var body io.Reader = msg.Body
	switch strings.ToLower(msg.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		return Message{}, errors.New("base64 bodies are not decoded")
	}
	text, err := io.ReadAll(body)
	if err != nil {
		return Message{}, err
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return Message{}, err
	}
	return Message{Subject: subject, Text: strings.ReplaceAll(string(text), "\r\n", "\n"), Header: msg.Header, Raw: raw}, nil
}
