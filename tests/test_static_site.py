"""The static site: one page per executed notebook and an index, every local link and image resolving."""

import importlib.util
import re
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("build_site", ROOT / "docs" / "build_site.py")
build_site = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build_site)


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.images = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])
        if tag == "img":
            self.images.append(attrs)


def local(link):
    return not re.match(r"^(https?:|mailto:|data:|#)", link)


def test_every_page_and_image_link_resolves(tmp_path):
    pages = build_site.build(tmp_path)
    names = {p.name for p in pages}
    notebooks = {p.stem for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert names == {"index.html", "teaching.html"} | {f"{n}.html" for n in notebooks}
    index = Links()
    index.feed((tmp_path / "index.html").read_text())
    assert set(index.hrefs) == names - {"index.html"}
    # The notebooks in teaching order, then the instructor's guide.
    assert index.hrefs == [f"{n}.html" for n in build_site.TEACHING_ORDER] + ["teaching.html"]
    assert "50-minute" in (tmp_path / "teaching.html").read_text(encoding="utf-8")
    for page in pages:
        links = Links()
        links.feed(page.read_text(encoding="utf-8"))
        for href in filter(local, links.hrefs):
            assert (tmp_path / href.split("#")[0]).exists(), f"{page.name} links to missing {href}"
        for image in links.images:
            src = image.get("src", "")
            assert src.startswith("data:image/png;base64,") or (tmp_path / src).exists(), f"{page.name}: {src[:40]}"
            assert image.get("alt") and "No description" not in image["alt"], (
                f"{page.name}: image without a description"
            )


def test_links_between_notebooks_point_at_pages(tmp_path):
    build_site.build(tmp_path)
    start = (tmp_path / "00_start_here.html").read_text(encoding="utf-8")
    assert 'href="Q226827_offline_server.html"' in start
    assert '.ipynb"' not in start


def test_the_readme_shows_a_picture_of_every_notebook():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    pictured = dict(re.findall(r"^\| `([\w]+\.ipynb)`[^|]*\| !\[[^\]]+\]\(([^)]+)\) \|$", readme, re.M))
    assert set(pictured) == {p.name for p in (ROOT / "notebooks").glob("*.ipynb")}
    for picture in pictured.values():
        assert (ROOT / picture).is_file(), f"README shows missing {picture}"
