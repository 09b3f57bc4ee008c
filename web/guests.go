package web

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/mail"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/ratelimit"
	"github.com/coopol/coopol/social"
)

// Guests: people without an account sign up for a public event by e-mail
// (the domain is in social/guests.go). The form is on the event page for
// visitors who are not logged in, only when the instance can send mail;
// the mailed links lead to a page with a button (a mail scanner opening
// the link changes nothing).

// guestForm is the guest form (the event page's block, and the page that
// answers it).
type guestForm struct {
	EventID, Title     string
	IsAction           bool
	Slots              []slotView
	TZ                 string
	Name, Email, Phone string
	SlotID             string
	Error              string
}

// guestView is a guest as the organisers see them.
type guestView struct {
	Name, Email, Phone string
	State, Slot        string
	Confirmed          bool
}

// guestPage is the answer to the form and the page of the mailed links.
type guestPage struct {
	// Step: sent (form accepted), confirm or cancel (the link's page, with
	// its button), confirmed, cancelled, expired, invalid, or form (the
	// form again, with an error).
	Step  string
	Event *eventView
	Token string
	State string
	Form  *guestForm
}

func (h *Handlers) guestFormFor(ev *model.Event) *guestForm {
	v := h.eventView(ev)
	return &guestForm{EventID: ev.ID, Title: ev.Title, IsAction: v.IsAction, Slots: v.Slots, TZ: ev.Timezone}
}

func (h *Handlers) guestGuests(c *gin.Context, viewer *model.Account, ev *model.Event) ([]guestView, error) {
	ps, err := h.Social.GuestParticipants(c.Request.Context(), viewer, ev.ID)
	if err != nil {
		return nil, err
	}
	out := make([]guestView, 0, len(ps))
	for _, p := range ps {
		if p.Guest == nil || p.Guest.ErasedAt != nil {
			continue
		}
		g := guestView{Name: p.Guest.Name, Phone: p.Guest.Phone, State: p.State, Slot: p.SlotID, Confirmed: p.Guest.ConfirmedAt != nil}
		if p.Guest.Email != nil {
			g.Email = *p.Guest.Email
		}
		out = append(out, g)
	}
	return out, nil
}

func (h *Handlers) renderGuest(c *gin.Context, status int, d *guestPage) {
	p := h.newPage(c, h.t(c, "guest.title"), d)
	p.NoIndex = true
	h.render(c, status, "guest", p)
}

// guestSignUp takes the guest form. The answer is the same whether or
// not the address already had a place (the mail tells its owner).
func (h *Handlers) guestSignUp(c *gin.Context) {
	ctx := c.Request.Context()
	ev, err := h.Social.Event(ctx, nil, c.Param("id"))
	if err != nil {
		h.fail(c, err)
		return
	}
	if !h.Social.GuestsOpen(ev) {
		h.errorPage(c, http.StatusForbidden, "guest.closed")
		return
	}
	f := h.guestFormFor(ev)
	f.Name, f.Email, f.Phone, f.SlotID = c.PostForm("name"), c.PostForm("email"), c.PostForm("phone"), c.PostForm("slot_id")
	if r := h.mailForms.Take(ctx, ratelimit.ClientKey(c)); r.Reached {
		tooMany(c, r, h.now())
		f.Error = h.t(c, "login.too_many")
		h.renderGuest(c, http.StatusTooManyRequests, &guestPage{Step: "form", Form: f})
		return
	}
	lang := h.msgs.choose(c.Request)
	_, err = h.Social.SignUpGuest(ctx, ev.ID, social.NewGuest{Name: f.Name, Email: f.Email, Phone: f.Phone, SlotID: f.SlotID,
		Consent: c.PostForm("consent") != "", Lang: lang}, h.guestMail(lang))
	var ve *social.ValidationError
	switch {
	case errors.As(err, &ve):
		f.Error = h.domainMessage(c, ve.Msg)
		h.renderGuest(c, http.StatusUnprocessableEntity, &guestPage{Step: "form", Form: f})
		return
	case errors.Is(err, social.ErrGuestsClosed):
		h.errorPage(c, http.StatusForbidden, "guest.closed")
		return
	case err != nil:
		h.fail(c, err)
		return
	}
	v := h.eventView(ev)
	h.renderGuest(c, http.StatusOK, &guestPage{Step: "sent", Event: &v})
}

// guestMail writes a guest's mail from the catalogue of their language.
func (h *Handlers) guestMail(lang string) social.GuestMail {
	return func(n social.GuestNotice) mail.Message {
		m := mail.Message{To: *n.Guest.Email, Subject: h.msgs.T(lang, "guest.mail_subject", "Event", n.Event.Title)}
		when := longDate(h.msgs, lang, n.Event.StartAt, n.Event.Timezone, true)
		link := h.Config.BaseURL() + "/events/" + n.Event.ID
		switch n.State {
		case "":
			m.Text = h.msgs.T(lang, "guest.mail_exists", "Event", n.Event.Title, "Link", link, "Instance", h.Config.Instance.Name)
		default:
			key := "guest.mail_held"
			if n.State == model.ParticipationWaitlisted {
				key = "guest.mail_waitlisted"
			}
			m.Text = h.msgs.T(lang, key, "Name", n.Guest.Name, "Event", n.Event.Title, "When", when, "Link", link,
				"Confirm", n.ConfirmURL, "Cancel", n.CancelURL, "Until", longDate(h.msgs, lang, n.Guest.HoldUntil, n.Event.Timezone, true),
				"Instance", h.Config.Instance.Name)
		}
		return m
	}
}

// guestLinkPage shows the page of a mailed link, with the button that
// confirms or cancels.
func (h *Handlers) guestLinkPage(link string) gin.HandlerFunc {
	return func(c *gin.Context) {
		token := c.Query("token")
		ev, p, err := h.Social.GuestLink(c.Request.Context(), link, token)
		if errors.Is(err, social.ErrNotFound) {
			h.renderGuest(c, http.StatusNotFound, &guestPage{Step: "invalid"})
			return
		} else if err != nil {
			h.fail(c, err)
			return
		}
		v := h.eventView(ev)
		h.renderGuest(c, http.StatusOK, &guestPage{Step: link, Event: &v, Token: token, State: p.State})
	}
}

// guestConfirm makes the place firm (the link works once).
func (h *Handlers) guestConfirm(c *gin.Context) {
	ev, p, err := h.Social.ConfirmGuest(c.Request.Context(), c.PostForm("token"))
	switch {
	case errors.Is(err, social.ErrNotFound):
		h.renderGuest(c, http.StatusNotFound, &guestPage{Step: "invalid"})
	case errors.Is(err, social.ErrGuestLinkExpired):
		v := h.eventView(ev)
		h.renderGuest(c, http.StatusGone, &guestPage{Step: "expired", Event: &v})
	case err != nil:
		h.fail(c, err)
	default:
		v := h.eventView(ev)
		h.renderGuest(c, http.StatusOK, &guestPage{Step: "confirmed", Event: &v, State: p.State})
	}
}

// guestCancel withdraws the guest, who is forgotten at once.
func (h *Handlers) guestCancel(c *gin.Context) {
	ev, err := h.Social.CancelGuest(c.Request.Context(), c.PostForm("token"))
	switch {
	case errors.Is(err, social.ErrNotFound):
		h.renderGuest(c, http.StatusNotFound, &guestPage{Step: "invalid"})
	case err != nil:
		h.fail(c, err)
	default:
		v := h.eventView(ev)
		h.renderGuest(c, http.StatusOK, &guestPage{Step: "cancelled", Event: &v})
	}
}
