"""The service worker that keeps the scanner pages usable offline."""

import json
import re

from expo import offline


async def test_service_worker_is_served_with_its_build_and_precache(client):
    response = await client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["service-worker-allowed"] == "/"
    assert response.headers["cache-control"] == "no-cache"
    build = re.search(r'var BUILD = "([0-9a-f]{12})";', response.text)
    assert build and build.group(1) == offline.build_id()
    precache = json.loads(re.search(r"var PRECACHE = (\[.*?\]);", response.text).group(1))
    assert "/static/js/scanner.js" in precache and "/static/js/scankit.js" in precache
    for url in precache:  # a renamed asset would make the worker's install fail
        assert (await client.get(url)).status_code == 200, url


def test_build_id_changes_when_a_static_file_changes(tmp_path):
    (tmp_path / "a.js").write_text("one")
    first = offline.build_id(tmp_path)
    assert offline.build_id(tmp_path) == first
    (tmp_path / "a.js").write_text("two, longer")
    assert offline.build_id(tmp_path) != first


def test_scanner_pages_load_the_shared_kit_before_their_script():
    for template, script in (("visitors/scanner.html", "js/scanner.js"),
                             ("leads/scanner.html", "js/lead_scanner.js")):
        text = (offline.STATIC_DIR.parent / "templates" / template).read_text()
        assert text.index("js/scankit.js") < text.index(script), template
