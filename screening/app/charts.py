"""The page's charts: a clip's angles over time, a client's path on a ladder, their key measures over time."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pandas as pd

from screening import KEY_MEASURES, VERDICT_COLOURS, chart_series, load_continuum, local_time, short_name

from .layout import load_name


def angles_frame(angles: dict, view: str | None, standing: dict | None = None) -> tuple[pd.DataFrame, dict[str, str]]:
    """The key angles of the clip's view (:func:`screening.present.chart_series`: as the reps table gives them,
    from the person's ``standing``) as a DataFrame indexed by time in seconds, and what each means."""
    series = chart_series(angles, view, standing)
    frame = pd.DataFrame({label: values for label, (values, _) in series.items()},
                         index=pd.Index(angles["time_s"], name="time (s)"))
    return frame, {label: meaning for label, (_, meaning) in series.items() if meaning}


def session_axis(alt, ticks: dict[int, str]):
    """The date axis of a client's charts: one tick per session (its instant in ms -> its local time, as the
    tables write it; Vega's own time ticks read ":50 :55 06:31")."""
    return alt.X("date:T", title="session (local time)", axis=alt.Axis(
        values=[alt.DateTime(utc=True, year=t.year, month=t.month, date=t.day, hours=t.hour, minutes=t.minute,
                             seconds=t.second)
                for t in (datetime.fromtimestamp(k / 1000, timezone.utc) for k in sorted(ticks))],
        labelExpr=json.dumps({str(k): v for k, v in ticks.items()}) + "[toString(time(datum.value))]",
        labelAngle=-30, labelOverlap=True))


def path_chart(store, sessions, pattern: str):
    """The client's path on the pattern's ladder: a dated point per session at the exercise it was filmed at,
    coloured by the verdict (grey: no verdict, as when nothing could be scored). The date axis is marked at the
    sessions, in the local time and the format of the tables (present.local_time)."""
    import altair as alt  # lazy: loaded with the first chart of a client's record

    ladder = load_continuum().ladders[pattern]
    drawn = [s for s in sessions if s.pattern == pattern and s.level is not None]
    if not drawn:
        return None
    instant = {s.id: int(datetime.fromisoformat(s.recorded_at).timestamp() * 1000) for s in drawn}
    rows = [{"date": float(instant[s.id]), "when": local_time(s.recorded_at),  # ms: a number the chart reads
             "level": s.level, "exercise": short_name(s.level_name or ""),
             "load": load_name(s.load_position),
             "verdict": (s.shown_verdict or "no verdict"),
             "by": "the clinician (override)" if s.override_verdict else "the measurement",
             "session": s.id} for s in drawn]
    data = pd.DataFrame(rows)
    names = {lv.level: f"{lv.level}: {short_name(lv.name)}" for lv in ladder}
    label = "{" + ", ".join(f'"{k}": "{v}"' for k, v in names.items()) + "}[datum.value]"
    y = alt.Y("level:Q", title=f"{pattern} level", scale=alt.Scale(domain=[0, max(names)]),
              axis=alt.Axis(values=list(names), labelExpr=label, labelLimit=260))
    # one tick per session, labelled as the tables write its time (Vega's own time ticks read ":50 :55 06:31")
    ticks = {instant[s.id]: local_time(s.recorded_at) for s in drawn}
    x = session_axis(alt, ticks)
    base = alt.Chart(data).encode(x=x, y=y)
    colours = alt.Scale(domain=list(VERDICT_COLOURS), range=list(VERDICT_COLOURS.values()))
    points = base.mark_point(size=140, filled=True).encode(
        color=alt.Color("verdict:N", scale=colours, title="verdict"),
        shape=alt.Shape("by:N", title="verdict by"),
        tooltip=[alt.Tooltip("when:N", title="date"), "exercise:N", "load:N", "verdict:N", "by:N", "session:Q"])
    return (base.mark_line(color="#8aa4c8") + points).properties(height=320)


def trend_chart(store, client_name: str, pattern: str, sessions):
    """Key measures per session (mean over its reps; per leg for lunges), over time; the date axis as the path's
    (each session's time, as the tables write it)."""
    import altair as alt  # lazy: loaded with the first chart of a client's record

    of_pattern = {s.id: s for s in sessions if s.pattern == pattern}
    instant = {sid: int(datetime.fromisoformat(s.recorded_at).timestamp() * 1000) for sid, s in of_pattern.items()}
    rows = []
    for metric, label in KEY_MEASURES.get(pattern, ()):
        for sid, when, leg, value in store.measures_over_time(client_name, metric):
            if sid in of_pattern:
                rows.append({"date": float(instant[sid]), "when": local_time(when), "session": sid, "measure": label,
                             "leg": leg or "—", "value": round(value, 2)})
    if pattern == "lunge":
        for sid, s in of_pattern.items():
            lunge = store.screen(sid).lunge
            for what, pct in (lunge.asymmetry_pct.items() if lunge else []):
                rows.append({"date": float(instant[sid]), "when": local_time(s.recorded_at), "session": sid,
                             "measure": f"left-right asymmetry of {what.replace('_', ' ')} (%)",
                             "leg": "—", "value": round(pct, 1)})
    if not rows:
        return None
    data = pd.DataFrame(rows)
    by_leg = pattern == "lunge"
    ticks = {instant[sid]: local_time(of_pattern[sid].recorded_at) for sid in set(data["session"])}
    x = session_axis(alt, ticks)
    return alt.Chart(data).mark_line(point=True).encode(
        x=x, y=alt.Y("value:Q", title=None),
        color=alt.Color("leg:N", title="leg") if by_leg else alt.value("#1f6fb4"),
        tooltip=[alt.Tooltip("when:N", title="date"), "measure:N", "value:Q"] + (["leg:N"] if by_leg else []),
    ).properties(height=160).facet(row=alt.Row("measure:N", title=None)).resolve_scale(y="independent")
