package elections

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
)

// MapOptions tune RenderSVG. The zero value draws a French map without
// links.
type MapOptions struct {
	// Href gives each station's link (its figures, "create a field action
	// here"); nil, or "", draws the station without a link.
	Href func(StationFigures) string
	// Title overrides each station's tooltip and accessible name.
	Title func(StationFigures) string
	// Locale is "fr" (the default) or "en", for the texts and numbers.
	Locale string
	// Width of the drawing in pixels; 800 by default.
	Width int
	// Embedded leaves out the drawing's own <style> element: the map
	// sits inside a page whose stylesheet carries the same rules, and a
	// Content-Security-Policy without 'unsafe-inline' refuses inline
	// style elements (a console error on every map).
	Embedded bool
	// NoLegend leaves the legend out of the drawing: a page shows it in
	// HTML instead (see Legend), where it stays readable on a phone.
	NoLegend bool
}

// LegendItem is one class of the map: its colour and its range.
type LegendItem struct {
	Colour, Label string
}

// MapLegend is the map's legend as data, for a page to lay out.
type MapLegend struct {
	Title   string
	Items   []LegendItem
	Missing string // "" when every station is drawn
}

// Legend describes the classes RenderSVG colours the same stations with.
func Legend(stations []StationFigures, locale string) MapLegend {
	tx, ok := texts[locale]
	if !ok {
		tx = texts["fr"]
	}
	var rates []float64
	missing := 0
	for _, s := range stations {
		if len(parseShape(s.Geometry)) == 0 {
			missing++
			continue
		}
		rates = append(rates, s.AbstentionRate)
	}
	cl := newClasses(rates)
	out := MapLegend{Title: tx.legend}
	for i := range cl.n {
		out.Items = append(out.Items, LegendItem{Colour: cl.colourOf(i), Label: cl.label(i, locale)})
	}
	if missing > 0 {
		out.Missing = fmt.Sprintf(tx.missing, missing)
	}
	return out
}

// The classes' colours, light to dark (ColorBrewer YlOrRd, 5 classes):
// readable in print and by most colour-blind readers.
var palette = []string{"#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"}

const (
	mapMargin    = 10.0
	legendHeight = 64.0
)

type mapTexts struct {
	heading, legend, missing string
	station                  func(StationFigures, func(float64) string) string
}

var texts = map[string]mapTexts{
	"fr": {
		heading: "Abstention par bureau de vote",
		legend:  "Taux d'abstention",
		missing: "%d bureau(x) sans contour non dessiné(s)",
		station: func(s StationFigures, pct func(float64) string) string {
			t := fmt.Sprintf("%s, bureau %s : abstention %s %% (%d inscrits)", s.CommuneName, s.Code, pct(s.AbstentionRate), s.Registered)
			if s.Compared {
				t += fmt.Sprintf(", évolution %s points", signed(pct(s.AbstentionChange), s.AbstentionChange))
			}
			return t
		},
	},
	"en": {
		heading: "Abstention by polling station",
		legend:  "Abstention rate",
		missing: "%d station(s) without a contour not drawn",
		station: func(s StationFigures, pct func(float64) string) string {
			t := fmt.Sprintf("%s, station %s: abstention %s%% (%d registered)", s.CommuneName, s.Code, pct(s.AbstentionRate), s.Registered)
			if s.Compared {
				t += fmt.Sprintf(", change %s points", signed(pct(s.AbstentionChange), s.AbstentionChange))
			}
			return t
		},
	},
}

func signed(s string, v float64) string {
	if v > 0 {
		return "+" + s
	}
	return s
}

// RenderSVG draws the stations as a choropleth of their abstention rate,
// with a legend, from their contours: no tile server, no external request.
// Each station is a <path> with a <title> (tooltip and accessible name),
// wrapped in an <a> when opts.Href gives a link. Stations without a
// contour are not drawn; the legend says how many.
func RenderSVG(w io.Writer, stations []StationFigures, opts MapOptions) error {
	tx, ok := texts[opts.Locale]
	if !ok {
		tx = texts["fr"]
	}
	pct := func(f float64) string { return percent(f, opts.Locale) }
	width := float64(opts.Width)
	if width <= 0 {
		width = 800
	}

	type shape struct {
		s    StationFigures
		geom orb.MultiPolygon
	}
	var shapes []shape
	var bound orb.Bound
	for _, s := range stations {
		g := parseShape(s.Geometry)
		if len(g) == 0 {
			continue
		}
		if len(shapes) == 0 {
			bound = g.Bound()
		} else {
			bound = bound.Union(g.Bound())
		}
		shapes = append(shapes, shape{s, g})
	}
	missing := len(stations) - len(shapes)

	// Equirectangular projection around the middle latitude: at the
	// scale of a commune it is indistinguishable from what a GIS shows.
	var proj func(orb.Point) (float64, float64)
	mapHeight := 2 * mapMargin
	if len(shapes) > 0 {
		kx := math.Cos(bound.Center().Lat() * math.Pi / 180)
		pw, ph := (bound.Max.Lon()-bound.Min.Lon())*kx, bound.Max.Lat()-bound.Min.Lat()
		inner := width - 2*mapMargin
		scale := inner / math.Max(pw, 1e-9)
		if ph*scale > 1.25*inner { // tall territories: keep the map on screen
			scale = 1.25 * inner / math.Max(ph, 1e-9)
		}
		offset := mapMargin + (inner-pw*scale)/2
		mapHeight = ph*scale + 2*mapMargin
		proj = func(p orb.Point) (float64, float64) {
			return offset + (p.Lon()-bound.Min.Lon())*kx*scale, mapMargin + (bound.Max.Lat()-p.Lat())*scale
		}
	}
	height := math.Ceil(mapHeight + legendHeight)
	if opts.NoLegend {
		height = math.Ceil(mapHeight)
	}

	rates := make([]float64, len(shapes))
	for i, sh := range shapes {
		rates[i] = sh.s.AbstentionRate
	}
	cl := newClasses(rates)

	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %s %s" width="%s" height="%s" font-family="sans-serif" font-size="13">`+"\n",
		num(width), num(height), num(width), num(height))
	fmt.Fprintf(bw, "<title>%s</title>\n", esc(tx.heading))
	if !opts.Embedded {
		bw.WriteString("<style>.station path{stroke:#fff;stroke-width:1;stroke-linejoin:round}" +
			"a.station:hover path,a.station:focus path{stroke:#000;stroke-width:2}</style>\n")
	}
	bw.WriteString(`<g class="stations">` + "\n")
	for _, sh := range shapes {
		title := tx.station(sh.s, pct)
		if opts.Title != nil {
			title = opts.Title(sh.s)
		}
		path := fmt.Sprintf(`<path d="%s" fill="%s" fill-rule="evenodd" data-station="%s"><title>%s</title></path>`,
			pathData(sh.geom, proj), cl.colour(sh.s.AbstentionRate), esc(sh.s.StationID), esc(title))
		href := ""
		if opts.Href != nil {
			href = safeHref(opts.Href(sh.s))
		}
		// The station's number, drawn on it (a white halo keeps it
		// readable on every colour); a page's stylesheet enlarges it on a
		// phone, where the drawing is scaled down.
		x, y := proj(labelPoint(sh.geom))
		path += fmt.Sprintf(`<text class="station-label" x="%s" y="%s" text-anchor="middle" dominant-baseline="central" font-size="14" font-weight="bold" fill="#1d1d1f" stroke="#fff" stroke-width="3" paint-order="stroke" pointer-events="none" aria-hidden="true">%s</text>`,
			num(x), num(y), esc(shortCode(sh.s.Code)))
		if href != "" {
			fmt.Fprintf(bw, `<a class="station" href="%s">%s</a>`+"\n", esc(href), path)
		} else {
			fmt.Fprintf(bw, `<g class="station">%s</g>`+"\n", path)
		}
	}
	bw.WriteString("</g>\n")
	if opts.NoLegend {
		bw.WriteString("</svg>\n")
		return bw.Flush()
	}

	fmt.Fprintf(bw, `<g class="legend" transform="translate(%s %s)">`+"\n", num(mapMargin), num(mapHeight))
	fmt.Fprintf(bw, `<text x="0" y="14" font-weight="bold">%s</text>`+"\n", esc(tx.legend))
	for i := range cl.n {
		x := float64(i) * 130
		fmt.Fprintf(bw, `<rect x="%s" y="24" width="22" height="16" fill="%s" stroke="#888"/>`, num(x), cl.colourOf(i))
		fmt.Fprintf(bw, `<text x="%s" y="37">%s</text>`+"\n", num(x+28), esc(cl.label(i, opts.Locale)))
	}
	if missing > 0 {
		fmt.Fprintf(bw, `<text x="0" y="58" font-size="11" fill="#555">%s</text>`+"\n", esc(fmt.Sprintf(tx.missing, missing)))
	}
	bw.WriteString("</g>\n</svg>\n")
	return bw.Flush()
}

// labelPoint is where a station's number goes: the centroid of its
// largest polygon, or the middle of its bounds when the centroid falls
// outside (a crescent-shaped station).
func labelPoint(m orb.MultiPolygon) orb.Point {
	best, area := orb.Polygon(nil), -1.0
	for _, poly := range m {
		if a := math.Abs(planar.Area(poly)); a > area {
			best, area = poly, a
		}
	}
	c, _ := planar.CentroidArea(best)
	if !planar.PolygonContains(best, c) {
		return best.Bound().Center()
	}
	return c
}

// shortCode is a station code as people say it: "0015" → "15".
func shortCode(code string) string {
	if t := strings.TrimLeft(code, "0"); t != "" {
		return t
	}
	return code
}

// parseShape reads a stored GeoJSON geometry; anything unreadable is
// skipped (it was checked at import) rather than failing the whole map.
func parseShape(s string) orb.MultiPolygon {
	if s == "" {
		return nil
	}
	g, err := geojson.UnmarshalGeometry([]byte(s))
	if err != nil {
		return nil
	}
	switch g := g.Geometry().(type) {
	case orb.Polygon:
		return orb.MultiPolygon{g}
	case orb.MultiPolygon:
		return g
	}
	return nil
}

// pathData writes the polygons as one path; fill-rule evenodd makes the
// inner rings holes. One decimal is a tenth of a pixel.
func pathData(m orb.MultiPolygon, proj func(orb.Point) (float64, float64)) string {
	var b []byte
	for _, poly := range m {
		for _, ring := range poly {
			if len(ring) > 1 && ring[0] == ring[len(ring)-1] {
				ring = ring[:len(ring)-1] // GeoJSON repeats the first point; Z closes the path
			}
			var lastX, lastY string
			for i, p := range ring {
				x, y := proj(p)
				sx, sy := strconv.FormatFloat(x, 'f', 1, 64), strconv.FormatFloat(y, 'f', 1, 64)
				if i > 0 && sx == lastX && sy == lastY {
					continue // the same pixel
				}
				if i == 0 {
					b = append(b, 'M')
				} else {
					b = append(b, 'L')
				}
				b = append(b, sx...)
				b = append(b, ' ')
				b = append(b, sy...)
				lastX, lastY = sx, sy
			}
			b = append(b, 'Z')
		}
	}
	return string(b)
}

// classes split the rates in up to 5 equal intervals of whole percents,
// from the lowest rate to the highest: the map is about where abstention
// is higher than elsewhere in the territory, not about national scales.
type classes struct {
	lo, step, n int // percents
}

func newClasses(rates []float64) classes {
	if len(rates) == 0 {
		return classes{}
	}
	minR, maxR := rates[0], rates[0]
	for _, r := range rates {
		minR, maxR = math.Min(minR, r), math.Max(maxR, r)
	}
	lo, hi := int(math.Floor(minR*100)), int(math.Ceil(maxR*100))
	if hi <= lo {
		hi = lo + 1
	}
	step := max(1, (hi-lo+len(palette)-1)/len(palette))
	return classes{lo: lo, step: step, n: (hi - lo + step - 1) / step}
}

func (c classes) index(rate float64) int {
	i := int(math.Floor((rate*100 - float64(c.lo)) / float64(c.step)))
	return min(max(i, 0), c.n-1)
}

// colourOf spreads fewer than 5 classes over the whole palette.
func (c classes) colourOf(i int) string {
	if c.n <= 1 {
		return palette[len(palette)/2]
	}
	return palette[int(math.Round(float64(i)*float64(len(palette)-1)/float64(c.n-1)))]
}

func (c classes) colour(rate float64) string { return c.colourOf(c.index(rate)) }

func (c classes) label(i int, locale string) string {
	from, to := c.lo+i*c.step, c.lo+(i+1)*c.step
	if locale == "en" {
		return fmt.Sprintf("%d–%d%%", from, to)
	}
	return fmt.Sprintf("%d–%d %%", from, to)
}

// percent writes a rate in percent with one decimal, with a decimal comma
// in French.
func percent(f float64, locale string) string {
	s := strconv.FormatFloat(f*100, 'f', 1, 64)
	if locale != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

func num(f float64) string { return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64) }

func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s)) //nolint:errcheck // a strings.Builder does not fail
	return b.String()
}

// safeHref drops links that would run code: the href comes from the
// caller, but a map is no place for javascript: URLs whatever happens.
func safeHref(h string) string {
	h = strings.TrimSpace(h)
	scheme, _, ok := strings.Cut(strings.ToLower(h), ":")
	if ok && !strings.ContainsAny(scheme, "/?#") && scheme != "http" && scheme != "https" {
		return ""
	}
	return h
}
