## Try-on page

title = Virtuaalinen sovitus
storefront = Kauppa
preview-alt = Sovituksesi esikatselu
hint = Valitse tuote ja käynnistä sitten kamera tai lähetä kuva.
product = Tuote
everyone = Pue kaikki kuvassa olevat
start = Käynnistä kamera
stop = Pysäytä
upload = Lähetä kuva
still-heading = Tallenna pysäytyskuva
take-still = Ota pysäytyskuva
download = Lataa
share = Jaa
still-note = Pysäytyskuvat pysyvät laitteellasi: jakamista varten mitään ei lähetetä.
privacy = Yksityisyytesi
regions = Kuvat käsitellään vain seuraavilla alueilla:
nothing-stored = Mitään ei tallenneta.
policy = Käytäntö
any-region = mikä tahansa alue
price-on-request = hinta pyydettäessä
ask = Sallitaanko virtuaalinen sovitus?
decline = Ei nyt
allow = Salli
declined = Sovitus pysyy pois päältä: mitään ei lähetetty. Voit aloittaa uudelleen milloin tahansa.
unreachable = Sovituspalveluun ei saatu yhteyttä.
no-face = Kuvasta ei löytynyt kasvoja: katso kameraan hyvässä valossa.
no-camera = Tällä selaimella ei ole täällä pääsyä kameraan: lähetä sen sijaan kuva.
camera-unavailable = Kamera ei ole käytettävissä: lähetä sen sijaan kuva.
unreadable = Tiedosto ei ole kuva, jota tämä sivu pystyy lukemaan (JPEG, PNG tai WebP).
upload-again = Lähetä kuva uudelleen, niin voit sovittaa tätä tuotetta.
share-title = Sovitukseni

## Storefront page

store-title = Meridian-demokauppa
store-intro = Demokauppa: jokainen kuva on alueellisen GPU-taustajärjestelmän tekemä versio, joka toimitetaan reunavälimuistista.
unavailable = Ei saatavilla markkina-alueellasi
unavailable-why = Miksi?
store-free-shipping = Ilmainen toimitus tällä viikolla
store-recommended = Suositellut
store-why-recommended = Miksi:
store-presets = Muodot
store-preset = Muoto
store-url = URL
store-format-square = Neliö 1080
store-format-story = Tarina
store-credit = Valokuvat: Ubuntun taustakuvakilpailu (Debian lomiri-wallpapers-16.04), CC BY / CC BY-SA / CC0. Lähteet:
# $available: how many products the page offers in the shopper's market.
store-products =
    { COUNT($available) ->
        [one] { $available } tuote saatavilla markkina-alueellasi
       *[other] { $available } tuotetta saatavilla markkina-alueellasi
    }

## Shared by the pages

# $market: the market's name; $country: its code; $locale, $currency; $tax: inclusive or exclusive; $version: the policy version.
market-line =
    { $market } ({ $country }) · { $locale } · { $currency } · { $tax ->
        [inclusive] hinnat sisältävät verot
       *[exclusive] hinnat ilman veroja
    } · käytäntö { $version }

## Widget (functions/pages/widget/widget.js)

widget-tryon = Sovita
widget-tryon-unavailable = Tälle tuotteelle ei ole tarjolla virtuaalista sovitusta.
widget-recommended = Suosituksia sinulle
widget-popular = Suosittua nyt

## Why a product is not offered (storefront and widget)

product-unknown = Tuotetta ei löytynyt
product-unknown-detail = Tätä tuotetta ei ole kaupan valikoimassa.
blocked-embargoed = Kauppapakotteet estävät tämän tuotteen myynnin sijaintiisi.
blocked-territory-not-licensed = Tällä tuotteella ei ole myyntilupaa maassasi.
blocked-category-restricted = Tämäntyyppisiä tuotteita ei saa myydä maassasi.
blocked-age-gate = Tämän tuotteen saa myydä vain iän tarkistuksen jälkeen, eikä tarkistus ole täällä käytettävissä.
blocked-other = Tätä tuotetta ei voi tarjota maassasi.
