package elections

import (
	"math"
	"testing"
)

func TestEffectWeightsByElectors(t *testing.T) {
	st := func(id string, registered int, change float64) StationFigures {
		return StationFigures{StationID: id, Registered: registered, Compared: true, AbstentionChange: change}
	}
	stations := []StationFigures{
		st("a", 1000, -0.04), st("b", 3000, 0.00), // campaigned: (−40 + 0) / 4000 = −0.01
		st("c", 500, 0.02), st("d", 1500, 0.06), // others: (10 + 90) / 2000 = +0.05
		{StationID: "e", Registered: 800}, // not in the other election: left out
	}
	f := Effect(stations, map[string]bool{"a": true, "b": true, "e": true})
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-12 }
	if !f.Meaningful || f.Campaigned.Stations != 2 || f.Others.Stations != 2 || f.Campaigned.Electors != 4000 || f.Others.Electors != 2000 ||
		!near(f.Campaigned.MeanChange, -0.01) || !near(f.Others.MeanChange, 0.05) || !near(f.Difference, -0.06) {
		t.Fatalf("%+v", f)
	}
	if f := Effect(stations, nil); f.Meaningful || f.Difference != 0 {
		t.Fatalf("no campaigned station: %+v", f)
	}
}
