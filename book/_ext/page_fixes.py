"""Two small fixes that keep every page free of JavaScript errors in the browser.

1. sphinx-thebe registers its inline configuration script twice under Jupyter Book,
   and the second copy fails with "Identifier 'THEBE_JS_URL' has already been
   declared". Identical script entries are dropped here.
2. On a reader's first visit (empty localStorage) the theme sets the colour mode to
   "" and then logs "Got invalid theme mode". Storing "auto" first avoids it.
"""

THEME_MODE_DEFAULT = (
    'if (!localStorage.getItem("mode")) { localStorage.setItem("mode", "auto"); }'
    ' if (!document.documentElement.dataset.mode) { document.documentElement.dataset.mode = "auto"; }'
)


def drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if scripts:
        seen, unique = set(), []
        for js in scripts:
            # The two copies differ only in filename None versus "" (both: an inline script).
            key = (str(js.filename or ""), tuple(sorted(js.attributes.items())))
            if key not in seen:
                seen.add(key)
                unique.append(js)
        scripts[:] = unique


def setup(app):
    app.add_js_file(None, body=THEME_MODE_DEFAULT, priority=1)
    # Early: a later handler may return a template name, which stops the event there.
    app.connect("html-page-context", drop_duplicate_scripts, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
