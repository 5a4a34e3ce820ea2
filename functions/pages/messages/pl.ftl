## Try-on page

title = Wirtualna przymierzalnia
storefront = Sklep
preview-alt = Podgląd przymiarki
hint = Wybierz produkt, a następnie włącz kamerę lub prześlij zdjęcie.
product = Produkt
everyone = Ubierz wszystkie osoby w kadrze
start = Włącz kamerę
stop = Zatrzymaj
upload = Prześlij zdjęcie
still-heading = Zachowaj kadr
take-still = Zrób zdjęcie
download = Pobierz
share = Udostępnij
still-note = Zdjęcia zostają na Twoim urządzeniu: nic nie jest przesyłane w celu udostępnienia.
privacy = Twoja prywatność
regions = Obraz jest przetwarzany wyłącznie w:
nothing-stored = Nic nie jest zapisywane.
policy = Zasady
any-region = dowolnym regionie
price-on-request = cena na zapytanie
ask = Zezwolić na wirtualną przymiarkę?
decline = Nie teraz
allow = Zezwól
declined = Przymiarka pozostaje wyłączona: nic nie zostało wysłane. Możesz zacząć ponownie w dowolnej chwili.
unreachable = Nie można połączyć się z usługą przymiarki.
no-face = Nie znaleziono twarzy na tym obrazie: spójrz w kamerę przy dobrym świetle.
no-camera = Ta przeglądarka nie ma tu dostępu do kamery: prześlij zamiast tego zdjęcie.
camera-unavailable = Kamera jest niedostępna: prześlij zamiast tego zdjęcie.
unreadable = Ten plik nie jest zdjęciem, które ta strona potrafi odczytać (JPEG, PNG lub WebP).
upload-again = Prześlij zdjęcie ponownie, aby przymierzyć ten produkt.
share-title = Moja przymiarka

## Storefront page

store-title = Sklep demonstracyjny Meridian
store-intro = Sklep demonstracyjny: każdy obraz to wersja utworzona przez regionalny backend GPU i serwowana z pamięci podręcznej na brzegu sieci.
unavailable = Niedostępne na Twoim rynku
unavailable-why = Dlaczego?
store-free-shipping = Darmowa dostawa w tym tygodniu
store-recommended = Polecane
store-why-recommended = Dlaczego:
store-presets = Formaty
store-preset = Format
store-url = URL
store-format-square = Kwadrat 1080
store-format-story = Relacja
store-credit = Zdjęcia: konkurs tapet Ubuntu (Debian lomiri-wallpapers-16.04), CC BY / CC BY-SA / CC0. Źródła:
# $available: how many products the page offers in the shopper's market.
store-products =
    { COUNT($available) ->
        [one] { $available } produkt dostępny na Twoim rynku
        [few] { $available } produkty dostępne na Twoim rynku
        [many] { $available } produktów dostępnych na Twoim rynku
       *[other] { $available } produktu dostępnego na Twoim rynku
    }

## Shared by the pages

# $market: the market's name; $country: its code; $locale, $currency; $tax: inclusive or exclusive; $version: the policy version.
market-line =
    { $market } ({ $country }) · { $locale } · { $currency } · { $tax ->
        [inclusive] ceny brutto
       *[exclusive] ceny netto
    } · zasady { $version }

## Widget (functions/pages/widget/widget.js)

widget-tryon = Przymierz
widget-tryon-unavailable = Wirtualna przymierzalnia nie jest dostępna dla tego produktu.
widget-recommended = Polecane dla Ciebie
widget-popular = Teraz popularne

## Why a product is not offered (storefront and widget)

product-unknown = Nie znaleziono produktu
product-unknown-detail = Tego produktu nie ma w katalogu sklepu.
blocked-embargoed = Sankcje handlowe nie pozwalają sprzedawać tego produktu w Twojej lokalizacji.
blocked-territory-not-licensed = Ten produkt nie ma licencji na sprzedaż w Twoim kraju.
blocked-category-restricted = Produktów tego rodzaju nie wolno sprzedawać w Twoim kraju.
blocked-age-gate = Ten produkt można sprzedać tylko po weryfikacji wieku, która nie jest tu dostępna.
blocked-other = Tego produktu nie można zaoferować w Twoim kraju.
