"""The Streamlit dashboards of modelmarket (DESIGN §7).

`app.py` is the entry point (`modelmarket dashboard`, or `streamlit run dashboards/app.py`); it declares the
navigation from `navigation.PAGES` and draws the shared sidebar. One file per page in `views/`. All SQL lives in
`queries.py`. Nothing here imports `orchestration`.
"""
