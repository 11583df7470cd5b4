"""Entry point of the dashboards: page config, navigation, the demo banner and the shared sidebar filters.

Run with `modelmarket dashboard` (or `streamlit run dashboards/app.py`). The pages are declared in
`dashboards/navigation.py`; the sidebar is drawn here, before the page runs, so filters persist across pages.
"""

from __future__ import annotations

import streamlit as st

from dashboards import components, filters, queries
from dashboards.navigation import PAGES


def main() -> None:
    """Declare the pages, draw what every page shares, then run the selected page."""
    st.set_page_config(layout="wide", page_title="modelmarket", page_icon=":material/monitoring:")
    pages = {
        spec: st.Page(spec.path, title=spec.title, icon=spec.icon, url_path=spec.url_path, default=spec.default)
        for spec in PAGES
    }
    selected = st.navigation(list(pages.values()))
    spec = next((spec for spec, page in pages.items() if page is selected), PAGES[0])

    path = components.warehouse_path()
    info = queries.warehouse_info(path)
    components.demo_banner(info)
    try:
        if components.is_usable(info) and spec.filters:
            filters.render_sidebar(queries.filter_options(path), components.market_vendor_names(path), spec.filters)
        with st.sidebar:
            st.divider()
            components.freshness_caption(info)
        selected.run()
    except queries.PublishedUnavailable as error:  # locked or damaged while this page ran: say so, no traceback
        components.unreadable_notice(error)


main()
