package api

import (
	"github.com/gin-gonic/gin"
)

// socialRoutes mounts the endpoints that need the domain service:
// accounts, statuses, timelines, notifications, search and the empty
// lists clients fetch after login.
func (h *Handlers) socialRoutes(r *gin.Engine, v1, v2 *gin.RouterGroup) {
	opt := h.OptionalScope // anonymous allowed; a token needs the scope

	// Default images that account entities point to.
	r.GET(defaultAvatarPath, serveDefaultAvatar)
	r.HEAD(defaultAvatarPath, serveDefaultAvatar)
	r.GET(defaultHeaderPath, serveDefaultHeader)
	r.HEAD(defaultHeaderPath, serveDefaultHeader)

	// Accounts.
	acc := v1.Group("/accounts")
	acc.GET("/verify_credentials", h.RequireScope("profile", "read:accounts"), h.verifyCredentials)
	acc.PATCH("/update_credentials", h.RequireScope("write:accounts"), h.updateCredentials)
	acc.GET("/relationships", h.RequireScope("read:follows"), h.relationships)
	acc.GET("/familiar_followers", h.RequireScope("read:follows"), h.familiarFollowers)
	acc.GET("/lookup", opt("read:accounts"), h.lookupAccount)
	acc.GET("/search", h.RequireScope("read:accounts"), h.searchAccounts)
	acc.GET("/:id", opt("read:accounts"), h.getAccount)
	acc.GET("/:id/statuses", opt("read:statuses"), h.accountStatuses)
	acc.GET("/:id/followers", opt("read:accounts"), h.accountFollowers)
	acc.GET("/:id/following", opt("read:accounts"), h.accountFollowing)
	acc.GET("/:id/featured_tags", opt("read:accounts"), emptyList)
	acc.GET("/:id/identity_proofs", opt("read:accounts"), emptyList)
	acc.GET("/:id/lists", h.RequireScope("read:lists"), h.accountLists)
	acc.POST("/:id/follow", h.RequireScope("write:follows"), h.follow)
	acc.POST("/:id/unfollow", h.RequireScope("write:follows"), h.unfollow)
	acc.POST("/:id/remove_from_followers", h.RequireScope("write:follows"), h.removeFromFollowers)
	acc.POST("/:id/block", h.RequireScope("write:blocks"), h.block)
	acc.POST("/:id/unblock", h.RequireScope("write:blocks"), h.unblock)
	acc.POST("/:id/mute", h.RequireScope("write:mutes"), h.mute)
	acc.POST("/:id/unmute", h.RequireScope("write:mutes"), h.unmute)
	v1.GET("/follow_requests", h.RequireScope("read:follows"), h.followRequests)
	v1.POST("/follow_requests/:id/authorize", h.RequireScope("write:follows"), h.answerFollowRequest(true))
	v1.POST("/follow_requests/:id/reject", h.RequireScope("write:follows"), h.answerFollowRequest(false))
	v1.GET("/blocks", h.RequireScope("read:blocks"), h.blocks)
	v1.GET("/mutes", h.RequireScope("read:mutes"), h.mutes)

	// Web Push: one subscription per OAuth token (api/push.go).
	v1.POST("/push/subscription", h.RequireScope("push"), h.createPushSubscription)
	v1.GET("/push/subscription", h.RequireScope("push"), h.getPushSubscription)
	v1.PUT("/push/subscription", h.RequireScope("push"), h.updatePushSubscription)
	v1.DELETE("/push/subscription", h.RequireScope("push"), h.deletePushSubscription)

	// Statuses.
	st := v1.Group("/statuses")
	st.POST("", h.RequireScope("write:statuses"), h.createStatus)
	st.GET("/:id", opt("read:statuses"), h.getStatus)
	st.DELETE("/:id", h.RequireScope("write:statuses"), h.deleteStatus)
	st.PUT("/:id", h.RequireScope("write:statuses"), h.editStatus)
	st.GET("/:id/source", h.RequireScope("read:statuses"), h.statusSource)
	st.GET("/:id/history", opt("read:statuses"), h.statusHistory)
	st.GET("/:id/context", opt("read:statuses"), h.statusContext)
	st.GET("/:id/card", opt("read:statuses"), h.statusCard)
	st.GET("/:id/favourited_by", opt("read:accounts"), h.favouritedBy)
	st.GET("/:id/reblogged_by", opt("read:accounts"), h.rebloggedBy)
	st.POST("/:id/favourite", h.RequireScope("write:favourites"), h.statusAction(actFavourite))
	st.POST("/:id/unfavourite", h.RequireScope("write:favourites"), h.statusAction(actUnfavourite))
	st.POST("/:id/reblog", h.RequireScope("write:statuses"), h.statusAction(actReblog))
	st.POST("/:id/unreblog", h.RequireScope("write:statuses"), h.statusAction(actUnreblog))
	st.POST("/:id/bookmark", h.RequireScope("write:bookmarks"), h.statusAction(actBookmark))
	st.POST("/:id/unbookmark", h.RequireScope("write:bookmarks"), h.statusAction(actUnbookmark))
	st.POST("/:id/pin", h.RequireScope("write:accounts"), h.statusAction(actPin))
	st.POST("/:id/unpin", h.RequireScope("write:accounts"), h.statusAction(actUnpin))

	h.mediaRoutes(v1, v2)

	// Polls.
	v1.GET("/polls/:id", opt("read:statuses"), h.getPoll)
	v1.POST("/polls/:id/votes", h.RequireScope("write:statuses"), h.votePoll)

	// Timelines and collections.
	v1.GET("/timelines/home", h.RequireScope("read:statuses"), h.homeTimeline)
	v1.GET("/timelines/public", opt("read:statuses"), h.publicTimeline)
	v1.GET("/timelines/tag/:hashtag", opt("read:statuses"), h.tagTimeline)
	v1.GET("/timelines/list/:id", h.RequireScope("read:lists"), h.listTimeline)
	v1.GET("/favourites", h.RequireScope("read:favourites"), h.favourites)
	v1.GET("/bookmarks", h.RequireScope("read:bookmarks"), h.bookmarks)
	v1.GET("/conversations", h.RequireScope("read:statuses"), h.conversations)
	v1.DELETE("/conversations/:id", h.RequireScope("write:conversations"), h.hideConversation)
	v1.POST("/conversations/:id/read", h.RequireScope("write:conversations"), h.readConversation)
	v1.GET("/markers", h.RequireScope("read:statuses"), h.getMarkers)
	v1.POST("/markers", h.RequireScope("write:statuses"), h.setMarkers)
	v1.GET("/tags/:name", opt("read:statuses"), h.getTag)

	// Lists.
	v1.GET("/lists", h.RequireScope("read:lists"), h.lists)
	v1.POST("/lists", h.RequireScope("write:lists"), h.createList)
	v1.GET("/lists/:id", h.RequireScope("read:lists"), h.getList)
	v1.PUT("/lists/:id", h.RequireScope("write:lists"), h.updateList)
	v1.DELETE("/lists/:id", h.RequireScope("write:lists"), h.deleteList)
	v1.GET("/lists/:id/accounts", h.RequireScope("read:lists"), h.listAccounts)
	v1.POST("/lists/:id/accounts", h.RequireScope("write:lists"), h.addListAccounts)
	v1.DELETE("/lists/:id/accounts", h.RequireScope("write:lists"), h.removeListAccounts)

	// Notifications.
	v1.GET("/notifications", h.RequireScope("read:notifications"), h.notifications)
	v1.GET("/notifications/unread_count", h.RequireScope("read:notifications"), h.unreadCount)
	v1.POST("/notifications/clear", h.RequireScope("write:notifications"), h.clearNotifications)
	v1.GET("/notifications/:id", h.RequireScope("read:notifications"), h.getNotification)
	v1.POST("/notifications/:id/dismiss", h.RequireScope("write:notifications"), h.dismissNotification)

	// Search.
	v2.GET("/search", h.RequireScope("read:search"), h.search)

	// Coopol's extension: groups, events and field actions.
	h.coopolRoutes(v1)

	// Reports, mutes, notes, followed tags, filters, scheduled statuses,
	// grouped notifications (apps_endpoints.go).
	h.appsRoutes(v1, v2)

	// What clients fetch after login and Coopol does not have (yet):
	// truthful empty answers.
	v1.GET("/trends", opt(), emptyList)
	v1.GET("/trends/tags", opt(), emptyList)
	v1.GET("/trends/statuses", opt(), emptyList)
	v1.GET("/trends/links", opt(), emptyList)
	v1.GET("/suggestions", h.RequireScope("read"), emptyList)
	v2.GET("/suggestions", h.RequireScope("read"), emptyList)
	v1.GET("/featured_tags", h.RequireScope("read:accounts"), emptyList)
	v1.GET("/featured_tags/suggestions", h.RequireScope("read:accounts"), emptyList)
	v1.GET("/domain_blocks", h.RequireScope("read:blocks"), emptyList)
	v1.GET("/endorsements", h.RequireScope("read:accounts"), emptyList)
}
