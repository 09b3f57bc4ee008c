package web

// KeptPagesServed counts the pages h served again as kept.
func KeptPagesServed(h *Handlers) uint64 { return h.kept.Served() }

// ForgetKeptPages drops every kept page, so that the next is rendered.
func ForgetKeptPages(h *Handlers) { h.kept.Purge() }
