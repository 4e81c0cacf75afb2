"""Demo data for trying Podium locally: `flask demo load` (run by `make run` / `make demo`).

What it loads, through the same services as `flask awards load-programme` and
`flask awards import-scores` (so the demo exercises the real validation):

* ``customer-data-awards-2025.json`` — the Customer Data Awards 2025 as announced at DDMA NEXT
  (from the association's own pages): the Data Transformation Award and the Data Innovation
  Award, the nominees (Univé, Odido, Transavia; New York Pizza, Coco & Sebas, Interpolis), one
  clearly fictional extra case per category that did not make the shortlist, one withdrawn
  fictional case, the jury chaired by Arnold van het Nederend (KPN), the four criteria and a
  timeline entirely in the past. Titles and summaries of the cases are demo text.
* Two judging rounds (``rounds`` and ``panels`` in the JSON): a *longlist* scored by two
  panels of three jurors, one per category (each panel's members get its category's entries
  as `Assignment` rows), and a *final* scored by the whole jury on the entries the chair
  advanced.
* ``scores-2025.csv`` — 1–10 per criterion, its first column the round: in the longlist each
  panel scores its category's four eligible entries; in the final every juror scores the
  three finalists per category. Univé and New York Pizza score highest on every criterion in
  both rounds, so they win under every aggregation method.
* Between the rounds the chair advances each category's three best longlist entries (the
  nominees) into the final (`awards.services.rounds.advance`); after the final the chair
  shortlists them and ratifies the winners with the jury's citations (Dutch from the
  announcement, English translated), at a moment between the close of scoring and the
  announcement, through `awards.services.ratification`, from the final round's results. The
  dates agree with the timeline: entries submitted inside the submission window, every juror
  accepted the terms the day before scoring opened, each round's scorecards handed in the
  day before that round closed.
* ``Customer Data Awards 2026`` (slug ``cda-2026``), a copy of the 2025 set-up whose timeline
  is placed around the day of loading so that it is in the phase asked for (judged in one
  round by the whole jury)
  (``flask demo load --phase submissions|scoring|deliberation|published``, `services.PHASES`);
  from scoring on it holds copies of the eligible 2025 entries for the jury to score.
* The demo events (`events_demo.py`, `events.json`), dates moved into the future; the
  Digital Talk heads the series "Digital Talks" with three monthly talks made from it.
* A month of funnel figures (See/Think/Do per day) for the demo events, up to the load day.
* Log-ins with the password ``DEMO_PASSWORD``: an admin, an entrant, the chair and the five
  jurors; printed at the end and listed in the README.

Loading again changes nothing: everything is upserted by its natural key, users are looked up
by e-mail, and categories that are already ratified are left alone.
"""
