package elections

// Effect compares, between two elections, the change in abstention where
// the section campaigned and where it did not. It is a correlation: the
// section chose where to go (often where abstention was highest, which
// tends to fall back on its own), so the page says so in plain words.

// EffectSide is one side of the comparison.
type EffectSide struct {
	Stations, Electors int
	// MeanChange is the change in abstention rate, weighted by the
	// electors registered at the later election (+0.02 = two points more).
	MeanChange float64
}

// EffectFigures is the comparison.
type EffectFigures struct {
	Campaigned, Others EffectSide
	// Difference is Campaigned.MeanChange - Others.MeanChange: negative
	// when abstention fell more (or rose less) where the section went.
	Difference float64
	// Meaningful is false when either side has no station.
	Meaningful bool
}

// Effect splits compared stations (Compare must have run) by whether the
// section campaigned there.
func Effect(stations []StationFigures, campaigned map[string]bool) EffectFigures {
	var f EffectFigures
	var sumIn, sumOut float64
	for _, s := range stations {
		if !s.Compared || s.Registered == 0 {
			continue
		}
		side, sum := &f.Others, &sumOut
		if campaigned[s.StationID] {
			side, sum = &f.Campaigned, &sumIn
		}
		side.Stations++
		side.Electors += s.Registered
		*sum += float64(s.Registered) * s.AbstentionChange
	}
	if f.Campaigned.Electors > 0 {
		f.Campaigned.MeanChange = sumIn / float64(f.Campaigned.Electors)
	}
	if f.Others.Electors > 0 {
		f.Others.MeanChange = sumOut / float64(f.Others.Electors)
	}
	f.Meaningful = f.Campaigned.Stations > 0 && f.Others.Stations > 0
	if f.Meaningful {
		f.Difference = f.Campaigned.MeanChange - f.Others.MeanChange
	}
	return f
}
