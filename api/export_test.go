package api

// RenderedPagesServed counts the pages h served again as rendered before.
func RenderedPagesServed(h *Handlers) uint64 { return h.rendered.Served() }
