package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/model"
)

// What the server accepts; also published in the instance entities.
const (
	maxMediaAttachments      = 4
	charactersReservedPerURL = 23
	imageMatrixLimit         = 33177600 // 7680×4320
	videoMatrixLimit         = 8294400  // 3840×2160
	videoFrameRateLimit      = 60
	mediaDescriptionLimit    = 1500
	pollMaxOptions           = 4
	pollMaxCharsPerOption    = 50
	pollMinExpiration        = 300
	pollMaxExpiration        = 2629746
	maxFeaturedTags          = 10
	maxPinnedStatuses        = 5
	sourceURL                = "https://github.com/coopol/coopol"
)

var supportedMIMETypes = []string{
	"image/jpeg", "image/png", "image/gif", "image/webp",
	"video/mp4", "video/webm",
	"audio/mpeg", "audio/mp3", "audio/ogg", "audio/vorbis", "audio/wav", "audio/wave", "audio/x-wav",
	"audio/vnd.wave", "audio/webm", "audio/flac", "audio/aac", "audio/mp4", "audio/m4a", "audio/x-m4a",
}

// streamingURL is the WebSocket origin clients (masto.js) connect to.
func (h *Handlers) streamingURL() string {
	if h.Config.Protocol == "https" {
		return "wss://" + h.Config.Host
	}
	return "ws://" + h.Config.Host
}

func (h *Handlers) languages() []string {
	if l := strings.TrimSpace(h.Config.Instance.Language); l != "" {
		return []string{l}
	}
	return []string{"fr"}
}

func (h *Handlers) statusesConfig() gin.H {
	return gin.H{
		"max_characters":              h.Config.Instance.MaxStatusChars,
		"max_media_attachments":       maxMediaAttachments,
		"characters_reserved_per_url": charactersReservedPerURL,
	}
}

func (h *Handlers) mediaConfig() gin.H {
	return gin.H{
		"supported_mime_types":   supportedMIMETypes,
		"description_limit":      mediaDescriptionLimit,
		"image_size_limit":       h.Config.Media.MaxImageSize,
		"image_matrix_limit":     imageMatrixLimit,
		"video_size_limit":       h.Config.Media.MaxVideoSize,
		"video_frame_rate_limit": videoFrameRateLimit,
		"video_matrix_limit":     videoMatrixLimit,
	}
}

func pollsConfig() gin.H {
	return gin.H{
		"max_options":               pollMaxOptions,
		"max_characters_per_option": pollMaxCharsPerOption,
		"min_expiration":            pollMinExpiration,
		"max_expiration":            pollMaxExpiration,
	}
}

func accountsConfig() gin.H {
	return gin.H{"max_featured_tags": maxFeaturedTags, "max_pinned_statuses": maxPinnedStatuses}
}

// userCount is the number of local users, published only when the admin
// opts in: the size of a party section is sensitive (product.md).
func (h *Handlers) userCount(c *gin.Context) (int64, bool) {
	if !h.Config.Instance.ShowUserCounts {
		return 0, true
	}
	n, err := h.Store.CountUsers(c.Request.Context())
	if err != nil {
		h.internalError(c, err)
		return 0, false
	}
	return n, true
}

// instanceV2: GET /api/v2/instance.
func (h *Handlers) instanceV2(c *gin.Context) {
	users, ok := h.userCount(c)
	if !ok {
		return
	}
	rules, ok := h.rulesJSON(c)
	if !ok {
		return
	}
	cfg := h.Config
	c.JSON(http.StatusOK, gin.H{
		"domain":      cfg.Host,
		"title":       cfg.Instance.Name,
		"version":     Version,
		"source_url":  sourceURL,
		"description": cfg.Instance.Description,
		// active_month would need login tracking; until then the opt-in
		// count is the number of local users.
		"usage":     gin.H{"users": gin.H{"active_month": users}},
		"thumbnail": gin.H{"url": h.thumbnailURL(), "blurhash": nil, "versions": gin.H{}},
		"icon":      []any{},
		"languages": h.languages(),
		"configuration": gin.H{
			"urls":              gin.H{"streaming": h.streamingURL()},
			"vapid":             gin.H{"public_key": h.vapidPublicKey(c)},
			"accounts":          accountsConfig(),
			"statuses":          h.statusesConfig(),
			"media_attachments": h.mediaConfig(),
			"polls":             pollsConfig(),
			"translation":       gin.H{"enabled": false},
		},
		"registrations": gin.H{
			"enabled":           cfg.Registrations != "closed",
			"approval_required": cfg.Registrations == "approval",
			"message":           nil,
			"url":               nil,
		},
		// API version 1: the grouped notifications API (version 2) does not
		// exist yet, and clients that read this use the older endpoints.
		"api_versions": gin.H{"mastodon": 1},
		"contact":      gin.H{"email": cfg.Instance.ContactEmail, "account": nil},
		"rules":        rules,
	})
}

// instanceV1: GET /api/v1/instance (older clients: Tusky, toot).
func (h *Handlers) instanceV1(c *gin.Context) {
	users, ok := h.userCount(c)
	if !ok {
		return
	}
	rules, ok := h.rulesJSON(c)
	if !ok {
		return
	}
	cfg := h.Config
	c.JSON(http.StatusOK, gin.H{
		"uri":               cfg.Host,
		"title":             cfg.Instance.Name,
		"short_description": cfg.Instance.Description,
		"description":       cfg.Instance.Description,
		"email":             cfg.Instance.ContactEmail,
		"version":           Version,
		"urls":              gin.H{"streaming_api": h.streamingURL()},
		// status_count and domain_count stay 0 until the statuses and
		// federation stores expose counts.
		"stats":             gin.H{"user_count": users, "status_count": 0, "domain_count": 0},
		"thumbnail":         h.thumbnailURL(),
		"languages":         h.languages(),
		"registrations":     cfg.Registrations != "closed",
		"approval_required": cfg.Registrations == "approval",
		"invites_enabled":   false,
		"configuration": gin.H{
			"vapid":             gin.H{"public_key": h.vapidPublicKey(c)},
			"accounts":          accountsConfig(),
			"statuses":          h.statusesConfig(),
			"media_attachments": h.mediaConfig(),
			"polls":             pollsConfig(),
		},
		"contact_account": nil,
		"rules":           rules,
	})
}

// instanceActivity: GET /api/v1/instance/activity — empty unless the
// admin publishes counts (and weekly figures are not collected yet).
func (h *Handlers) instanceActivity(c *gin.Context) {
	c.JSON(http.StatusOK, []any{})
}

// mastodonVisibilities are the default visibilities clients understand.
var mastodonVisibilities = []string{model.VisibilityPublic, model.VisibilityUnlisted, model.VisibilityPrivate, model.VisibilityDirect}

// preferences: GET /api/v1/preferences (read:accounts).
func (h *Handlers) preferences(c *gin.Context) {
	u := CurrentUser(c)
	visibility := model.VisibilityPublic
	for _, v := range mastodonVisibilities {
		if u.DefaultVisibility == v {
			visibility = v
		}
	}
	var language any
	if u.Locale != "" {
		language = u.Locale
	}
	c.JSON(http.StatusOK, gin.H{
		"posting:default:visibility": visibility,
		"posting:default:sensitive":  false,
		"posting:default:language":   language,
		"reading:expand:media":       "default",
		"reading:expand:spoilers":    false,
	})
}
