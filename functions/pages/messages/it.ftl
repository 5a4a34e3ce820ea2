## Try-on page

title = Prova virtuale
storefront = Negozio
preview-alt = Anteprima della tua prova
hint = Scegli un prodotto, poi avvia la fotocamera o carica una foto.
product = Prodotto
everyone = Vesti tutte le persone nell'inquadratura
start = Avvia fotocamera
stop = Ferma
upload = Carica una foto
still-heading = Tieni un'immagine
take-still = Scatta immagine
download = Scarica
share = Condividi
still-note = Le immagini restano sul tuo dispositivo: nulla viene caricato per la condivisione.
privacy = La tua privacy
regions = Le immagini sono elaborate solo in:
nothing-stored = Non viene conservato nulla.
policy = Informativa
any-region = qualsiasi regione
price-on-request = prezzo su richiesta
ask = Consentire la prova virtuale?
decline = Non ora
allow = Consenti
declined = La prova resta disattivata: non è stato inviato nulla. Puoi ricominciare in qualsiasi momento.
unreachable = Impossibile raggiungere il servizio di prova.
no-face = Nessun volto trovato in questa immagine: guarda la fotocamera con una buona luce.
no-camera = Questo browser non ha accesso alla fotocamera qui: carica invece una foto.
camera-unavailable = La fotocamera non è disponibile: carica invece una foto.
unreadable = Questo file non è una foto leggibile da questa pagina (JPEG, PNG o WebP).
upload-again = Carica di nuovo la foto per provare questo prodotto.
share-title = La mia prova

## Storefront page

store-title = Negozio dimostrativo Meridian
store-intro = Negozio dimostrativo: ogni immagine è una versione creata da un backend GPU regionale e servita dalla cache edge.
unavailable = Non disponibile nel tuo mercato
unavailable-why = Perché?
store-free-shipping = Spedizione gratuita questa settimana
store-recommended = Consigliati
store-why-recommended = Perché:
store-presets = Formati
store-preset = Formato
store-url = URL
store-format-square = Quadrato 1080
store-format-story = Storia
store-credit = Fotografie: concorso di sfondi Ubuntu (Debian lomiri-wallpapers-16.04), CC BY / CC BY-SA / CC0. Fonti:
# $available: how many products the page offers in the shopper's market.
store-products =
    { COUNT($available) ->
        [one] { $available } prodotto disponibile nel tuo mercato
        [many] { $available } di prodotti disponibili nel tuo mercato
       *[other] { $available } prodotti disponibili nel tuo mercato
    }

## Shared by the pages

# $market: the market's name; $country: its code; $locale, $currency; $tax: inclusive or exclusive; $version: the policy version.
market-line =
    { $market } ({ $country }) · { $locale } · { $currency } · { $tax ->
        [inclusive] prezzi IVA inclusa
       *[exclusive] prezzi IVA esclusa
    } · informativa { $version }

## Widget (functions/pages/widget/widget.js)

widget-tryon = Provalo
widget-tryon-unavailable = La prova virtuale non è disponibile per questo prodotto.
widget-recommended = Consigliati per te
widget-popular = Popolari adesso

## Why a product is not offered (storefront and widget)

product-unknown = Prodotto non trovato
product-unknown-detail = Questo prodotto non è nel catalogo del negozio.
blocked-embargoed = Le sanzioni commerciali non consentono di vendere questo prodotto dove ti trovi.
blocked-territory-not-licensed = Questo prodotto non è concesso in licenza per la vendita nel tuo paese.
blocked-category-restricted = I prodotti di questo tipo non possono essere venduti nel tuo paese.
blocked-age-gate = Questo prodotto può essere venduto solo dopo una verifica dell'età, che qui non è disponibile.
blocked-other = Questo prodotto non può essere offerto nel tuo paese.
