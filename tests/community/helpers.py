import re


def field_error(response, field):
    """The error text Django renders next to a field (id="id_<field>_error"), tags stripped."""
    html = response.content.decode()
    match = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)) if match else ""


def checked_values(response, name):
    """Values of the radio buttons and checkboxes named `name` that are ticked."""
    html = response.content.decode()
    inputs = re.findall(rf'<input type="(?:radio|checkbox)" name="{name}"[^>]*>', html)
    return [re.search(r'value="([^"]*)"', i).group(1) if "value=" in i else "on" for i in inputs if " checked" in i]
