package elections

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/coopol/coopol/storage/storagetest"
)

// svgNode is a parsed element, enough to check the map's structure.
type svgNode struct {
	name     string
	attrs    map[string]string
	text     string
	children []*svgNode
}

// parseSVG fails on anything that is not well-formed XML.
func parseSVG(t *testing.T, data []byte) *svgNode {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	var stack []*svgNode
	var root *svgNode
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v\n%s", err, data)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &svgNode{name: tok.Name.Local, attrs: make(map[string]string)}
			for _, a := range tok.Attr {
				n.attrs[a.Name.Local] = a.Value
			}
			if len(stack) == 0 {
				if root != nil {
					t.Fatal("two root elements")
				}
				root = n
				if tok.Name.Space != "http://www.w3.org/2000/svg" {
					t.Fatalf("root namespace %q", tok.Name.Space)
				}
			} else {
				parent := stack[len(stack)-1]
				parent.children = append(parent.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(tok)
			}
		}
	}
	if root == nil || root.name != "svg" {
		t.Fatal("no <svg> root")
	}
	return root
}

func (n *svgNode) all(name string, parent *svgNode, visit func(n, parent *svgNode)) {
	if n.name == name {
		visit(n, parent)
	}
	for _, c := range n.children {
		c.all(name, n, visit)
	}
}

func (n *svgNode) child(name string) *svgNode {
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

func TestRenderSVG(t *testing.T) {
	s := storagetest.Open(t, "sqlite")
	ctx := context.Background()
	section := newSection(t, s, "villeneuve")
	report, err := Import(ctx, s, bytes.NewReader(readSample(t, sampleLatin1)), bytes.NewReader(readSample(t, sampleContours)), ImportOptions{SectionID: section, Label: "T1"})
	if err != nil {
		t.Fatal(err)
	}
	stations, err := Rank(ctx, s, RankQuery{SectionID: section, ElectionID: report.Election.ID})
	if err != nil {
		t.Fatal(err)
	}

	var buf bytes.Buffer
	href := func(f StationFigures) string {
		return "/section/elections/" + report.Election.ID + "/stations/" + f.StationID + "?a=1&b=2"
	}
	if err := RenderSVG(&buf, stations, MapOptions{Href: href}); err != nil {
		t.Fatal(err)
	}
	if out := os.Getenv("COOPOL_SVG_OUT"); out != "" {
		os.WriteFile(out, buf.Bytes(), 0o644) // to look at it: COOPOL_SVG_OUT=/tmp/map.svg go test -run TestRenderSVG
	}
	root := parseSVG(t, buf.Bytes())
	if root.attrs["viewBox"] == "" || root.child("title") == nil {
		t.Fatalf("root: %v", root.attrs)
	}

	// One path per station, each in a link to its own page, with a title.
	byID := make(map[string]StationFigures)
	for _, f := range stations {
		byID[f.StationID] = f
	}
	paths := 0
	fills := make(map[string]string)
	root.all("path", nil, func(p, parent *svgNode) {
		paths++
		f, ok := byID[p.attrs["data-station"]]
		if !ok {
			t.Fatalf("path for an unknown station %q", p.attrs["data-station"])
		}
		if parent.name != "a" || parent.attrs["href"] != href(f) {
			t.Fatalf("station %s: parent <%s href=%q>, want a link to %q", f.Code, parent.name, parent.attrs["href"], href(f))
		}
		title := p.child("title")
		if title == nil || !strings.Contains(title.text, "bureau "+f.Code) || !strings.Contains(title.text, percent(f.AbstentionRate, "fr")+" %") {
			t.Fatalf("station %s: title %v", f.Code, title)
		}
		if !strings.HasPrefix(p.attrs["d"], "M") || !strings.HasSuffix(p.attrs["d"], "Z") {
			t.Fatalf("station %s: path %q", f.Code, p.attrs["d"])
		}
		fills[f.Code] = p.attrs["fill"]
	})
	if paths != len(stations) || paths != 24 {
		t.Fatalf("%d paths for %d stations", paths, len(stations))
	}
	// Darkest for the highest abstention (0015, 60.66 %), lightest for the
	// lowest (0009, 18.01 %).
	if fills[stations[0].Code] != palette[4] || fills[stations[23].Code] != palette[0] {
		t.Fatalf("colours: top %s %s, bottom %s %s", stations[0].Code, fills[stations[0].Code], stations[23].Code, fills[stations[23].Code])
	}

	// The legend: its title and one swatch per class, labelled.
	var legend *svgNode
	root.all("g", nil, func(g, _ *svgNode) {
		if g.attrs["class"] == "legend" {
			legend = g
		}
	})
	if legend == nil {
		t.Fatal("no legend")
	}
	var swatches, labels []string
	for _, c := range legend.children {
		switch c.name {
		case "rect":
			swatches = append(swatches, c.attrs["fill"])
		case "text":
			labels = append(labels, c.text)
		}
	}
	if len(swatches) != 5 || labels[0] != "Taux d'abstention" || labels[1] != "18–27 %" || labels[5] != "54–63 %" {
		t.Fatalf("legend: %v %v", swatches, labels)
	}
	for i, c := range swatches {
		if c != palette[i] {
			t.Fatalf("legend colours: %v", swatches)
		}
	}
}

func TestRenderSVGEdgeCases(t *testing.T) {
	square := `{"type":"Polygon","coordinates":[[[2.37,48.85],[2.376,48.85],[2.376,48.854],[2.37,48.854],[2.37,48.85]]]}`
	stations := []StationFigures{
		{StationID: "a", Code: "0001", CommuneName: `<Ville & "Co">`, Geometry: square, AbstentionRate: 0.3, Compared: true, AbstentionChange: 0.021},
		{StationID: "b", Code: "0002", Geometry: ""},         // no contour
		{StationID: "c", Code: "0003", Geometry: "not json"}, // unreadable
	}
	var buf bytes.Buffer
	err := RenderSVG(&buf, stations, MapOptions{Locale: "en", Href: func(StationFigures) string { return " JavaScript:alert(1)" }})
	if err != nil {
		t.Fatal(err)
	}
	root := parseSVG(t, buf.Bytes())
	paths := 0
	root.all("path", nil, func(p, parent *svgNode) {
		paths++
		if parent.name == "a" {
			t.Fatal("a javascript: link was drawn")
		}
		if title := p.child("title").text; !strings.Contains(title, `<Ville & "Co">, station 0001: abstention 30.0%`) || !strings.Contains(title, "change +2.1 points") {
			t.Fatalf("title: %q", title)
		}
	})
	if paths != 1 {
		t.Fatalf("%d paths, want 1", paths)
	}
	if !strings.Contains(buf.String(), "2 station(s) without a contour") {
		t.Fatal("the legend does not say stations are missing")
	}

	// Nothing to draw is still a valid SVG.
	buf.Reset()
	if err := RenderSVG(&buf, nil, MapOptions{}); err != nil {
		t.Fatal(err)
	}
	parseSVG(t, buf.Bytes())

	for in, want := range map[string]string{"/x/y": "/x/y", "https://a.test/": "https://a.test/", "data:text/html,x": "", "javascript:x": "", "?q=a:b": "?q=a:b"} {
		if got := safeHref(in); got != want {
			t.Errorf("safeHref(%q) = %q, want %q", in, got, want)
		}
	}
}
