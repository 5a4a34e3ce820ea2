## Try-on page

title = Virtuelle Anprobe
storefront = Zum Shop
preview-alt = Vorschau deiner Anprobe
hint = Wähle ein Produkt und starte dann deine Kamera oder lade ein Foto hoch.
product = Produkt
everyone = Alle Personen im Bild einkleiden
start = Kamera starten
stop = Stopp
upload = Foto hochladen
still-heading = Standbild behalten
take-still = Standbild aufnehmen
download = Herunterladen
share = Teilen
still-note = Standbilder bleiben auf deinem Gerät: Zum Teilen wird nichts hochgeladen.
privacy = Deine Privatsphäre
regions = Bilder werden nur verarbeitet in:
nothing-stored = Nichts wird gespeichert.
policy = Richtlinie
any-region = jeder Region
price-on-request = Preis auf Anfrage
ask = Virtuelle Anprobe erlauben?
decline = Jetzt nicht
allow = Erlauben
declined = Die Anprobe bleibt aus: Es wurde nichts gesendet. Du kannst jederzeit neu starten.
unreachable = Der Anprobe-Dienst ist nicht erreichbar.
no-face = In diesem Bild wurde kein Gesicht gefunden: Schau bei gutem Licht in die Kamera.
no-camera = Dieser Browser hat hier keinen Kamerazugriff: Lade stattdessen ein Foto hoch.
camera-unavailable = Die Kamera ist nicht verfügbar: Lade stattdessen ein Foto hoch.
unreadable = Diese Datei ist kein Foto, das diese Seite lesen kann (JPEG, PNG oder WebP).
upload-again = Lade das Foto erneut hoch, um dieses Produkt anzuprobieren.
share-title = Meine Anprobe

## Storefront page

store-title = Meridian-Demoshop
store-intro = Demoshop: Jedes Bild ist eine Variante, die ein regionales GPU-Backend erzeugt und der Edge-Cache ausliefert.
unavailable = In deinem Markt nicht erhältlich
unavailable-why = Warum?
store-free-shipping = Diese Woche kostenloser Versand
store-recommended = Empfohlen
store-why-recommended = Warum:
store-presets = Vorlagen
store-preset = Vorlage
store-url = URL
store-format-square = 1080 quadratisch
store-format-story = Story
store-credit = Fotos: Ubuntu-Hintergrundbild-Wettbewerb (Debian lomiri-wallpapers-16.04), CC BY / CC BY-SA / CC0. Quellen:
# $available: how many products the page offers in the shopper's market.
store-products =
    { COUNT($available) ->
        [one] { $available } Produkt in deinem Markt erhältlich
       *[other] { $available } Produkte in deinem Markt erhältlich
    }

## Shared by the pages

# $market: the market's name; $country: its code; $locale, $currency; $tax: inclusive or exclusive; $version: the policy version.
market-line =
    { $market } ({ $country }) · { $locale } · { $currency } · { $tax ->
        [inclusive] Preise inkl. MwSt.
       *[exclusive] Preise zzgl. MwSt.
    } · Richtlinie { $version }

## Widget (functions/pages/widget/widget.js)

widget-tryon = Anprobieren
widget-tryon-unavailable = Für dieses Produkt gibt es keine virtuelle Anprobe.
widget-recommended = Für dich empfohlen
widget-popular = Gerade beliebt

## Why a product is not offered (storefront and widget)

product-unknown = Produkt nicht gefunden
product-unknown-detail = Dieses Produkt ist nicht im Katalog des Shops.
blocked-embargoed = Handelssanktionen verbieten den Verkauf dieses Produkts an deinen Standort.
blocked-territory-not-licensed = Dieses Produkt ist für den Verkauf in deinem Land nicht lizenziert.
blocked-category-restricted = Produkte dieser Art dürfen in deinem Land nicht verkauft werden.
blocked-age-gate = Dieses Produkt darf nur nach einer Altersprüfung verkauft werden, die hier nicht verfügbar ist.
blocked-other = Dieses Produkt kann in deinem Land nicht angeboten werden.
