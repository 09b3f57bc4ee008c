package web

import (
	"bytes"
	"errors"
	"html/template"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/coopol/coopol/elections"
	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/storage"
)

// Territorial targeting (issue 8) in the section dashboard: the
// elections the section imported, the import form, and for one election
// its polling stations ranked by abstention (or by its change since
// another election) with the choropleth map; from a station, "create a
// field action here". This is the section's working data: only its
// secretaries and moderators see these pages (anyone else gets the same
// 404 as for a page that does not exist), nothing here is public, and
// nothing is federated (a field action only carries the station's id).

// electionsImportPath is the import form's action; checkCSRF lets its
// multipart body be as large as a national results file.
const electionsImportPath = "/dashboard/elections"

// electionsUploadLimit bounds the import form's body (results file and
// contours together).
const electionsUploadLimit = elections.MaxFileSize

// requireElectionsStaff lets through only the section's staff; everyone
// else, logged in or not, gets a 404: the pages do not exist for them.
func (h *Handlers) requireElectionsStaff(c *gin.Context) {
	v := viewerOf(c)
	if v == nil {
		h.notFound(c)
		c.Abort()
		return
	}
	section, err := h.section(c)
	if err != nil {
		h.fail(c, err)
		c.Abort()
		return
	}
	ok, err := h.Social.CanModerate(c.Request.Context(), v.Account, section)
	if err != nil {
		h.fail(c, err)
		c.Abort()
		return
	}
	if !ok {
		h.notFound(c)
		c.Abort()
		return
	}
	c.Set(ctxSection, section)
	c.Next()
}

type electionsData struct {
	Elections []electionRow
	// The import form, as sent back after an error.
	Label, Communes string
	Replace         bool
	Error           string
	// The address import form, and what the section has.
	AddressCommunes, AddressError string
	AddressStations               []addressStation
}

type addressStation struct {
	ID, Label       string
	Doors, Electors int
}

type electionRow struct {
	ID, Label, Source string
	Round, Stations   int
	Imported          time.Time
}

func electionRows(es []model.Election) []electionRow {
	rows := make([]electionRow, len(es))
	for i, e := range es {
		rows[i] = electionRow{ID: e.ID, Label: e.Label, Source: e.SourceName, Round: e.Round, Stations: e.StationCount, Imported: e.ImportedAt}
	}
	return rows
}

// electionsPage lists the section's elections, with the import form.
func (h *Handlers) electionsPage(c *gin.Context) {
	h.renderElections(c, http.StatusOK, &electionsData{})
}

func (h *Handlers) renderElections(c *gin.Context, status int, d *electionsData) {
	es, err := h.Store.Elections(c.Request.Context(), sectionOf(c).ID)
	if err != nil {
		h.fail(c, err)
		return
	}
	d.Elections = electionRows(es)
	if d.AddressStations, err = h.addressStations(c); err != nil {
		h.fail(c, err)
		return
	}
	p := h.newPage(c, h.t(c, "elections.title"), d)
	p.Nav = "dashboard"
	h.render(c, status, "elections", p)
}

// importElection reads the uploaded results file (and contours) and
// stores them for the section through elections.Import, which stores
// everything or nothing. A file it cannot read comes back on the form
// with the line and the column to fix.
func (h *Handlers) importElection(c *gin.Context) {
	d := &electionsData{
		Label: strings.TrimSpace(c.PostForm("label")), Communes: strings.TrimSpace(c.PostForm("communes")),
		Replace: c.PostForm("replace") == "1",
	}
	again := func(msg string) {
		d.Error = msg
		h.renderElections(c, http.StatusUnprocessableEntity, d)
	}
	results, resultsName, err := formFile(c, "results")
	if err != nil {
		again(h.t(c, "elections.no_file"))
		return
	}
	defer results.Close()
	var contours io.Reader
	if f, _, err := formFile(c, "contours"); err == nil {
		defer f.Close()
		contours = f
	}
	if d.Label == "" {
		d.Label = strings.TrimSuffix(resultsName, filepath.Ext(resultsName))
	}
	var communes []string
	for _, code := range strings.FieldsFunc(d.Communes, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		communes = append(communes, code)
	}
	section := sectionOf(c)
	report, err := elections.Import(c.Request.Context(), h.Store, results, contours, elections.ImportOptions{
		SectionID: section.ID, Label: d.Label, Round: elections.GuessRound(d.Label), SourceName: resultsName,
		Communes: communes, Replace: d.Replace,
	})
	var pe *elections.ParseError
	switch {
	case errors.As(err, &pe):
		lang := h.msgs.choose(c.Request)
		again(h.t(c, "elections.parse_error", "File", resultsName, "Line", pe.Line, "Column", firstNonEmpty(h.importColumn(lang, pe.Column), "—"),
			"Message", h.importMessage(lang, pe.Msg)))
		return
	case errors.Is(err, elections.ErrElectionExists):
		again(h.t(c, "elections.exists"))
		return
	case err != nil:
		// The files' other faults (contours, label, nothing to import) are
		// the secretary's to fix: say what went wrong.
		h.Log.Info("web: election import refused", "section", section.Username, "err", err)
		again(h.t(c, "elections.import_failed", "Message", h.importMessage(h.msgs.choose(c.Request), err.Error())))
		return
	}
	h.Log.Info("web: election imported", "section", section.Username, "label", report.Election.Label,
		"stations", report.Stations, "shaped", report.Shaped, "by", viewerOf(c).Account.Username)
	h.flash(c, "flash.election_imported")
	c.Redirect(http.StatusSeeOther, "/dashboard/elections/"+report.Election.ID)
}

// formFile opens an uploaded file; an empty file input counts as none.
func formFile(c *gin.Context, name string) (multipart.File, string, error) {
	fh, err := c.FormFile(name)
	if err != nil {
		return nil, "", err
	}
	if fh.Size == 0 {
		return nil, "", http.ErrMissingFile
	}
	f, err := fh.Open()
	if err != nil {
		return nil, "", err
	}
	return f, filepath.Base(fh.Filename), nil
}

type rankingData struct {
	Election  electionRow
	Elections []electionRow // the others, to compare with
	Communes  []model.Commune
	// The query: CompareTo and Commune are ids/codes, "" for none.
	CompareTo, Commune, By string
	Compared               *electionRow
	Stations               []stationRow
	Total                  stationRow
	Map                    template.HTML
	// Legend is the map's legend, laid out in HTML under it.
	Legend   elections.MapLegend
	Unshaped int
	Effect   *effectView
}

// effectView is elections.EffectFigures written for the page.
type effectView struct {
	Meaningful                                bool
	CampaignedStations, OtherStations         int
	CampaignedElectors, OtherElectors         int
	CampaignedChange, OtherChange, Difference string
}

// stationRow is one station's figures, formatted for the page's language.
type stationRow struct {
	ID, Anchor, Commune, Code             string
	Rank, Registered, Voters, Abstentions int
	Abstention, Turnout, Blank, Null      string
	Compared                              bool
	Previous, Change                      string
	Rising                                bool
	ActionURL                             string
	// Door to door: actions done and planned here, doors knocked per 100
	// electors ("" when none), and the walk list when addresses exist.
	Done, Planned   int
	Effort, WalkURL string
}

// electionRanking shows one election's stations, ranked, with the map.
func (h *Handlers) electionRanking(c *gin.Context) {
	ctx := c.Request.Context()
	section := sectionOf(c)
	lang := h.msgs.choose(c.Request)
	e, err := h.Store.Election(ctx, section.ID, c.Param("id"))
	if errors.Is(err, storage.ErrNotFound) {
		h.notFound(c)
		return
	} else if err != nil {
		h.fail(c, err)
		return
	}
	d := &rankingData{Election: electionRows([]model.Election{*e})[0], Commune: c.Query("commune"), By: elections.ByAbstention}
	all, err := h.Store.Elections(ctx, section.ID)
	if err != nil {
		h.fail(c, err)
		return
	}
	for _, row := range electionRows(all) {
		if row.ID == e.ID {
			continue
		}
		d.Elections = append(d.Elections, row)
		if row.ID == c.Query("compare") {
			d.CompareTo = row.ID
			compared := row
			d.Compared = &compared
		}
	}
	if d.CompareTo != "" && c.Query("by") == elections.ByChange {
		d.By = elections.ByChange
	}
	if d.Communes, err = h.Store.ElectionCommunes(ctx, section.ID, e.ID); err != nil {
		h.fail(c, err)
		return
	}
	known := false
	for _, cm := range d.Communes {
		known = known || cm.Code == d.Commune
	}
	if !known {
		d.Commune = ""
	}
	stations, err := elections.Rank(ctx, h.Store, elections.RankQuery{
		SectionID: section.ID, ElectionID: e.ID, CompareTo: d.CompareTo, Commune: d.Commune, By: d.By,
	})
	if errors.Is(err, storage.ErrNotFound) {
		h.notFound(c)
		return
	} else if err != nil {
		h.fail(c, err)
		return
	}
	efforts, err := h.Store.Efforts(ctx, section.ID, h.now())
	if err != nil {
		h.fail(c, err)
		return
	}
	doors, err := h.Store.DoorTotals(ctx, section.ID)
	if err != nil {
		h.fail(c, err)
		return
	}
	for _, s := range stations {
		row := h.stationRow(c, lang, s)
		ef := efforts[s.StationID]
		row.Done, row.Planned = ef.Done, ef.Planned
		if ef.Knocked > 0 && s.Registered > 0 {
			row.Effort = perHundred(float64(ef.Knocked)*100/float64(s.Registered), lang)
		}
		if _, ok := doors[s.StationID]; ok {
			row.WalkURL = "/dashboard/elections/stations/" + s.StationID + "/walk"
		}
		d.Stations = append(d.Stations, row)
		if s.Geometry == "" {
			d.Unshaped++
		}
	}
	if d.Compared != nil {
		campaigned := map[string]bool{}
		for id, ef := range efforts {
			campaigned[id] = ef.Done > 0
		}
		f := elections.Effect(stations, campaigned)
		d.Effect = &effectView{Meaningful: f.Meaningful,
			CampaignedStations: f.Campaigned.Stations, CampaignedElectors: f.Campaigned.Electors, CampaignedChange: points(f.Campaigned.MeanChange, lang),
			OtherStations: f.Others.Stations, OtherElectors: f.Others.Electors, OtherChange: points(f.Others.MeanChange, lang),
			Difference: points(f.Difference, lang)}
	}
	d.Total = h.stationRow(c, lang, elections.Total(stations))
	var svg bytes.Buffer
	err = elections.RenderSVG(&svg, stations, elections.MapOptions{
		Locale: lang, Width: 720, Embedded: true, NoLegend: true, // its styles are in static/elections.css (CSP); the legend is HTML
		Href: func(s elections.StationFigures) string { return "#" + stationAnchor(s.StationID) },
	})
	d.Legend = elections.Legend(stations, lang)
	if err != nil {
		h.fail(c, err)
		return
	}
	// RenderSVG escapes every text and link it writes.
	d.Map = template.HTML(svg.String()) //nolint:gosec // built by elections.RenderSVG
	p := h.newPage(c, e.Label, d)
	p.Nav = "dashboard"
	h.render(c, http.StatusOK, "election", p)
}

func stationAnchor(id string) string { return "station-" + id }

func (h *Handlers) stationRow(c *gin.Context, lang string, s elections.StationFigures) stationRow {
	r := stationRow{
		ID: s.StationID, Commune: s.CommuneName, Code: s.Code, Rank: s.Rank,
		Registered: s.Registered, Voters: s.Voters, Abstentions: s.Abstentions,
		Abstention: percent(s.AbstentionRate, lang), Turnout: percent(s.Turnout, lang),
		Blank: percent(s.BlankRate, lang), Null: percent(s.NullRate, lang), Compared: s.Compared,
	}
	if s.StationID != "" {
		r.Anchor = stationAnchor(s.StationID)
		r.ActionURL = "/events/new?" + url.Values{"kind": {model.EventKindFieldAction}, "station": {s.StationID}}.Encode()
	}
	if s.Compared {
		r.Previous = percent(s.PreviousAbstentionRate, lang)
		r.Change = points(s.AbstentionChange, lang)
		r.Rising = s.AbstentionChange > 0
	}
	return r
}

// percent writes a rate as a percentage with one decimal, with a decimal
// comma in French: "26,3 %".
func percent(f float64, lang string) string {
	s := strconv.FormatFloat(math.Round(f*1000)/10, 'f', 1, 64)
	if lang == "fr" {
		return strings.Replace(s, ".", ",", 1) + "\u202f%"
	}
	return s + "%"
}

// perHundred writes a ratio per 100 with one decimal.
func perHundred(f float64, lang string) string {
	s := strconv.FormatFloat(math.Round(f*10)/10, 'f', 1, 64)
	if lang == "fr" {
		return strings.Replace(s, ".", ",", 1)
	}
	return s
}

// points writes a change of rate in percentage points, signed.
func points(f float64, lang string) string {
	s := strconv.FormatFloat(math.Round(f*1000)/10, 'f', 1, 64)
	if lang == "fr" {
		s = strings.Replace(s, ".", ",", 1)
	}
	if f > 0 && s != "0.0" && s != "0,0" {
		s = "+" + s
	}
	if s == "-0.0" || s == "-0,0" {
		s = s[1:]
	}
	// A typographic minus, as the plus beside it.
	return strings.Replace(s, "-", "−", 1) + " pt"
}

// stationAction fills the new field action form for a polling station of
// the section: door-to-door there, titled with the station, placed in its
// commune, and carrying the station's id to social.NewEvent. Only the
// section's staff may target a station; for anyone else, or a station
// that is not the section's, it is a 404.
func (h *Handlers) stationAction(c *gin.Context, f *eventForm, stationID string) bool {
	st, section, ok := h.targetStation(c, stationID)
	if !ok {
		return false
	}
	f.Kind, f.ActionKind = model.EventKindFieldAction, "door_to_door"
	if k := c.Query("action_kind"); slices.Contains(model.ActionKinds, k) {
		f.ActionKind = k
	}
	f.Title = h.t(c, actionTitleKey(f.ActionKind), "Code", st.Code)
	f.PlaceName = h.t(c, "elections.action_place", "Code", st.Code)
	f.Locality = st.CommuneName
	f.GroupID = section.ID
	f.StationID = st.ID
	f.Station = h.t(c, "elections.action_station", "Commune", st.CommuneName, "Code", st.Code)
	return true
}

// targetStation finds a station of the section for a viewer who is its
// staff; otherwise it answers 404 and returns false.
func (h *Handlers) targetStation(c *gin.Context, stationID string) (*model.PollingStation, *model.Account, bool) {
	ctx := c.Request.Context()
	section, err := h.section(c)
	if err != nil {
		h.fail(c, err)
		return nil, nil, false
	}
	ok, err := h.Social.CanModerate(ctx, viewerOf(c).Account, section)
	if err != nil {
		h.fail(c, err)
		return nil, nil, false
	}
	if !ok {
		h.notFound(c)
		return nil, nil, false
	}
	st, err := h.Store.PollingStation(ctx, section.ID, stationID)
	if errors.Is(err, storage.ErrNotFound) {
		h.notFound(c)
		return nil, nil, false
	} else if err != nil {
		h.fail(c, err)
		return nil, nil, false
	}
	return st, section, true
}

// checkActionStation is createEvent's check of a posted station: the
// section's, by its staff, for an action the section organises.
func (h *Handlers) checkActionStation(c *gin.Context, f *eventForm) bool {
	st, section, ok := h.targetStation(c, f.StationID)
	if !ok {
		return false
	}
	if f.GroupID != section.ID || f.Kind != model.EventKindFieldAction {
		h.errorPage(c, http.StatusUnprocessableEntity, "elections.action_section_only")
		return false
	}
	f.Station = h.t(c, "elections.action_station", "Commune", st.CommuneName, "Code", st.Code)
	// The title was prefilled with the action's kind: when the secretary
	// picks another kind and leaves the title as it was, it follows.
	if slices.Contains(model.ActionKinds, f.ActionKind) {
		for _, k := range model.ActionKinds {
			if f.Title == h.t(c, actionTitleKey(k), "Code", st.Code) {
				f.Title = h.t(c, actionTitleKey(f.ActionKind), "Code", st.Code)
				break
			}
		}
	}
	return true
}

// actionTitleKey is the catalog key of the title prefilled for a field
// action of a kind at a station.
func actionTitleKey(kind string) string { return "elections.action_title_" + kind }
