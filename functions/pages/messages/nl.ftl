## Try-on page

title = Virtueel passen
storefront = Winkel
preview-alt = Voorbeeld van je pasbeurt
hint = Kies een product en start daarna je camera of upload een foto.
product = Product
everyone = Iedereen in beeld aankleden
start = Camera starten
stop = Stoppen
upload = Foto uploaden
still-heading = Beeld bewaren
take-still = Beeld vastleggen
download = Downloaden
share = Delen
still-note = Beelden blijven op je apparaat: er wordt niets geüpload om te delen.
privacy = Je privacy
regions = Beelden worden alleen verwerkt in:
nothing-stored = Er wordt niets opgeslagen.
policy = Beleid
any-region = elke regio
price-on-request = prijs op aanvraag
ask = Virtueel passen toestaan?
decline = Niet nu
allow = Toestaan
declined = Passen blijft uit: er is niets verzonden. Je kunt op elk moment opnieuw beginnen.
unreachable = De pasdienst is niet bereikbaar.
no-face = Geen gezicht gevonden in dit beeld: kijk in de camera bij goed licht.
no-camera = Deze browser heeft hier geen toegang tot de camera: upload in plaats daarvan een foto.
camera-unavailable = De camera is niet beschikbaar: upload in plaats daarvan een foto.
unreadable = Dat bestand is geen foto die deze pagina kan lezen (JPEG, PNG of WebP).
upload-again = Upload de foto opnieuw om dit product te passen.
share-title = Mijn pasbeurt

## Storefront page

store-title = Meridian-demowinkel
store-intro = Demowinkel: elke afbeelding is een variant die een regionale GPU-backend maakt en die uit de edge-cache wordt geleverd.
unavailable = Niet beschikbaar in jouw markt
unavailable-why = Waarom?
store-free-shipping = Deze week gratis verzending
store-recommended = Aanbevolen
store-why-recommended = Waarom:
store-presets = Formaten
store-preset = Formaat
store-url = URL
store-format-square = 1080 vierkant
store-format-story = Story
store-credit = Foto's: Ubuntu-achtergrondwedstrijd (Debian lomiri-wallpapers-16.04), CC BY / CC BY-SA / CC0. Bronnen:
# $available: how many products the page offers in the shopper's market.
store-products =
    { COUNT($available) ->
        [one] { $available } product beschikbaar in jouw markt
       *[other] { $available } producten beschikbaar in jouw markt
    }

## Shared by the pages

# $market: the market's name; $country: its code; $locale, $currency; $tax: inclusive or exclusive; $version: the policy version.
market-line =
    { $market } ({ $country }) · { $locale } · { $currency } · { $tax ->
        [inclusive] prijzen incl. btw
       *[exclusive] prijzen excl. btw
    } · beleid { $version }

## Widget (functions/pages/widget/widget.js)

widget-tryon = Passen
widget-tryon-unavailable = Virtueel passen is niet beschikbaar voor dit product.
widget-recommended = Aanbevolen voor jou
widget-popular = Nu populair

## Why a product is not offered (storefront and widget)

product-unknown = Product niet gevonden
product-unknown-detail = Dit product staat niet in de catalogus van de winkel.
blocked-embargoed = Handelssancties staan de verkoop van dit product op jouw locatie niet toe.
blocked-territory-not-licensed = Dit product heeft geen licentie voor verkoop in jouw land.
blocked-category-restricted = Producten van dit soort mogen in jouw land niet worden verkocht.
blocked-age-gate = Dit product mag alleen worden verkocht na een leeftijdscontrole, die hier niet beschikbaar is.
blocked-other = Dit product kan in jouw land niet worden aangeboden.
