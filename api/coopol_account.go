package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/auth"
)

// A member's data rights through the API (GDPR): their own data as a JSON
// archive, and the deletion of their account. Both act on the caller's
// own account only and need the full read / write scope: a token limited
// to read:statuses does not get everything, and deleting also needs the
// password, since a stolen token alone must not be able to erase someone.
func (h *Handlers) coopolAccountRoutes(g *gin.RouterGroup) {
	g.GET("/export", h.RequireScope("read"), h.exportOwnData)
	g.POST("/account/delete", h.RequireScope("write"), h.deleteOwnAccount)
}

// exportOwnData: GET /api/v1/coopol/export — the archive described in
// social.Archive, as a download.
func (h *Handlers) exportOwnData(c *gin.Context) {
	account := CurrentAccount(c)
	archive, err := h.Social.ExportAccount(c.Request.Context(), account)
	if err != nil {
		h.domainError(c, err)
		return
	}
	name := "coopol-" + account.Username + "-" + archive.ExportedAt.Format("2006-01-02") + ".json"
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.JSON(http.StatusOK, archive)
}

// msgWrongPassword answers a deletion whose password does not match.
const msgWrongPassword = "Invalid password"

// deleteOwnAccount: POST /api/v1/coopol/account/delete with password —
// deletes the caller's account at once and tells the other servers
// (social.DeleteAccount). The token used dies with the account.
func (h *Handlers) deleteOwnAccount(c *gin.Context) {
	p, ok := h.params(c)
	if !ok {
		return
	}
	password := p.Get("password")
	if strings.TrimSpace(password) == "" {
		ErrorJSON(c, http.StatusUnprocessableEntity, "Validation failed: password is required to delete your account")
		return
	}
	ctx := c.Request.Context()
	account := CurrentAccount(c)
	user, err := h.Store.UserByAccountID(ctx, account.ID)
	if err != nil {
		h.domainError(c, err)
		return
	}
	if !auth.CheckPassword(user.PasswordHash, password) {
		ErrorJSON(c, http.StatusForbidden, msgWrongPassword)
		return
	}
	summary, err := h.Social.DeleteAccount(ctx, account)
	if err != nil {
		h.domainError(c, err)
		return
	}
	h.Log.Info("account deleted by its owner", "account", account.ID)
	c.JSON(http.StatusOK, gin.H{"deleted": true, "summary": summary})
}
