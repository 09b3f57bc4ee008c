package web

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/smtp"
	"strconv"
	"time"

	"github.com/coopol/coopol/auth"
	"github.com/coopol/coopol/config"
)

// Mailer sends one plain-text message.
type Mailer interface {
	Send(ctx context.Context, to, subject, body string) error
}

// SMTPMailer sends through the server configured under smtp: STARTTLS
// when the server offers it (port 587), implicit TLS on port 465.
type SMTPMailer struct {
	Config config.SMTP
	Host   string // the instance's host, for the default sender and Message-ID
}

func (m SMTPMailer) Send(ctx context.Context, to, subject, body string) error {
	from := m.Config.From
	if from == "" {
		from = "noreply@" + hostOnly(m.Host)
	}
	msg, err := buildMessage(from, to, subject, body, m.Host, time.Now())
	if err != nil {
		return err
	}
	addr := net.JoinHostPort(m.Config.Host, strconv.Itoa(m.Config.Port))
	var a smtp.Auth
	if m.Config.Username != "" {
		a = smtp.PlainAuth("", m.Config.Username, m.Config.Password, m.Config.Host)
	}
	if m.Config.Port != 465 {
		return smtp.SendMail(addr, a, from, []string{to}, msg)
	}
	d := tls.Dialer{Config: &tls.Config{ServerName: m.Config.Host, MinVersion: tls.VersionTLS12}}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	c, err := smtp.NewClient(conn, m.Config.Host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp: %w", err)
	}
	defer c.Close()
	if a != nil {
		if err := c.Auth(a); err != nil {
			return fmt.Errorf("smtp auth: %w", err)
		}
	}
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}

// buildMessage writes an RFC 5322 message, UTF-8 and quoted-printable.
func buildMessage(from, to, subject, body, host string, now time.Time) ([]byte, error) {
	for _, v := range []string{from, to} {
		if bytes.ContainsAny([]byte(v), "\r\n") {
			return nil, fmt.Errorf("mail: invalid address")
		}
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\n", from)
	fmt.Fprintf(&b, "To: %s\r\n", to)
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", subject))
	fmt.Fprintf(&b, "Date: %s\r\n", now.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%s@%s>\r\n", auth.NewToken()[:24], hostOnly(host))
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(body)); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
