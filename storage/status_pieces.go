package storage

import (
	"context"
	"fmt"
	"slices"

	"github.com/coopol/coopol/model"
)

// StatusPieces are what a rendered status shows besides its own row: the
// accounts it mentions, its hashtags, its media and its link preview.
type StatusPieces struct {
	Mentions map[string][]model.Account
	Tags     map[string][]string
	Media    map[string][]model.MediaAttachment
	Cards    map[string]*model.PreviewCard
}

// cachedPieces is one status's pieces in the row cache; mentions are kept
// as account ids, whose rows the account cache holds.
type cachedPieces struct {
	mentionIDs []string
	tags       []string
	media      []model.MediaAttachment
	card       *model.PreviewCard
}

// PiecesOfStatuses loads the pieces of the statuses ids for rendering.
// They were four statements on every page (issue 17); they are now kept in
// the row cache, which triggers on status_recipients (mentions),
// status_tags, media_attachments and preview_cards keep exact (kind "p"
// in row_changes, migration 20261207100002), as an edit or a deletion of
// the status does.
func (s *Storage) PiecesOfStatuses(ctx context.Context, ids []string) (StatusPieces, error) {
	out := StatusPieces{
		Mentions: map[string][]model.Account{}, Tags: map[string][]string{},
		Media: map[string][]model.MediaAttachment{}, Cards: map[string]*model.PreviewCard{},
	}
	ids = uniqueStrings(ids)
	if len(ids) == 0 {
		return out, nil
	}
	gen, cacheOK := s.syncRowCache(ctx)
	found := map[string]cachedPieces{}
	missing := ids
	if cacheOK {
		found, missing = s.rows.cachedPieces(ids)
	}
	if len(missing) > 0 {
		loaded, err := s.loadPieces(ctx, missing)
		if err != nil {
			return out, err
		}
		if cacheOK {
			s.rows.putPieces(gen, loaded)
		}
		for id, p := range loaded {
			found[id] = p
		}
	}
	var mentions []mentionRow
	for id, p := range found {
		for _, aid := range p.mentionIDs {
			mentions = append(mentions, mentionRow{StatusID: id, AccountID: aid})
		}
	}
	var err error
	if out.Mentions, err = s.mentionedAccounts(ctx, mentions); err != nil {
		return out, err
	}
	for id, p := range found {
		if len(p.tags) > 0 {
			out.Tags[id] = p.tags
		}
		if len(p.media) > 0 {
			out.Media[id] = p.media
		}
		if p.card != nil {
			out.Cards[id] = p.card
		}
	}
	return out, nil
}

// loadPieces reads the pieces of ids from the database: every id gets an
// entry, empty when the status has none.
func (s *Storage) loadPieces(ctx context.Context, ids []string) (map[string]cachedPieces, error) {
	mentions, err := s.mentionRows(ctx, ids)
	if err != nil {
		return nil, err
	}
	tags, err := s.StatusTagNames(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("tags of statuses: %w", err)
	}
	media, err := s.MediaForStatuses(ctx, ids)
	if err != nil {
		return nil, err
	}
	cards, err := s.PreviewCardsFor(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("cards of statuses: %w", err)
	}
	out := make(map[string]cachedPieces, len(ids))
	for _, id := range ids {
		out[id] = cachedPieces{tags: tags[id], media: media[id], card: cards[id]}
	}
	for _, m := range mentions {
		p := out[m.StatusID]
		p.mentionIDs = append(p.mentionIDs, m.AccountID)
		out[m.StatusID] = p
	}
	return out, nil
}

// clonePieces copies what a caller could change in place.
func clonePieces(p cachedPieces) cachedPieces {
	p.mentionIDs = slices.Clone(p.mentionIDs)
	p.tags = slices.Clone(p.tags)
	p.media = slices.Clone(p.media)
	if p.card != nil {
		card := *p.card
		if card.Image != nil {
			img := *card.Image
			card.Image = &img
		}
		p.card = &card
	}
	return p
}
