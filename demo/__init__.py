"""Demo data for trying Podium locally: `flask demo load` (run by `make run` / `make demo`).

What it loads, through the same services as `flask awards load-programme` and
`flask awards import-scores` (so the demo exercises the real validation):

* ``customer-data-awards-2025.json`` — the Customer Data Awards 2025 as announced at DDMA NEXT
  (from the association's own pages): the Data Transformation Award and the Data Innovation
  Award, the nominees (Univé, Odido, Transavia; New York Pizza, Coco & Sebas, Interpolis), one
  clearly fictional extra case per category that did not make the shortlist, one withdrawn
  fictional case, the jury chaired by Arnold van het Nederend (KPN), the four criteria and a
  timeline entirely in the past. Titles and summaries of the cases are demo text.
* ``scores-2025.csv`` — every juror scores every eligible entry 1–10; each juror scores Univé
  and New York Pizza highest on every criterion, so they win under every aggregation method.
* The chair then shortlists the three nominees per category and ratifies the winners with the
  jury's citations (Dutch from the announcement, English translated), at a moment between the
  close of scoring and the announcement, through `awards.services.ratification`. The dates
  agree with the timeline: entries submitted inside the submission window, every juror
  accepted the terms the day before scoring opened, scorecards handed in the day before
  scoring closed.
* ``Customer Data Awards 2026`` (slug ``cda-2026``), a copy of the 2025 set-up whose timeline
  is placed around the day of loading so that it is in the phase asked for
  (``flask demo load --phase submissions|scoring|deliberation|published``, `services.PHASES`);
  from scoring on it holds copies of the eligible 2025 entries for the jury to score.
* The demo events (`events_demo.py`, `events.json`), dates moved into the future.
* Log-ins with the password ``DEMO_PASSWORD``: an admin, an entrant, the chair and the five
  jurors; printed at the end and listed in the README.

Loading again changes nothing: everything is upserted by its natural key, users are looked up
by e-mail, and categories that are already ratified are left alone.
"""
