## Try-on page

title = Virtuální zkoušení
storefront = Obchod
preview-alt = Náhled vašeho zkoušení
hint = Vyberte produkt a pak zapněte kameru nebo nahrajte fotku.
product = Produkt
everyone = Obléknout všechny v záběru
start = Zapnout kameru
stop = Zastavit
upload = Nahrát fotku
still-heading = Uložit snímek
take-still = Pořídit snímek
download = Stáhnout
share = Sdílet
still-note = Snímky zůstávají ve vašem zařízení: kvůli sdílení se nic nenahrává.
privacy = Vaše soukromí
regions = Snímky se zpracovávají pouze v těchto regionech:
nothing-stored = Nic se neukládá.
policy = Zásady
any-region = libovolný region
price-on-request = cena na dotaz
ask = Povolit virtuální zkoušení?
decline = Teď ne
allow = Povolit
declined = Zkoušení zůstává vypnuté: nic nebylo odesláno. Začít znovu můžete kdykoli.
unreachable = Nepodařilo se spojit se službou zkoušení.
no-face = V tomto záběru nebyl nalezen žádný obličej: podívejte se do kamery při dobrém světle.
no-camera = Tento prohlížeč tu nemá přístup ke kameře: nahrajte místo toho fotku.
camera-unavailable = Kamera není k dispozici: nahrajte místo toho fotku.
unreadable = Tento soubor není fotka, kterou by tato stránka dokázala přečíst (JPEG, PNG nebo WebP).
upload-again = Nahrajte fotku znovu, abyste si mohli vyzkoušet tento produkt.
share-title = Moje zkoušení

## Storefront page

store-title = Ukázkový obchod Meridian
store-intro = Ukázkový obchod: každý obrázek je varianta vytvořená regionálním GPU backendem a doručená z edge cache.
unavailable = Na vašem trhu není k dispozici
unavailable-why = Proč?
store-free-shipping = Tento týden doprava zdarma
store-recommended = Doporučujeme
store-why-recommended = Proč:
store-presets = Formáty
store-preset = Formát
store-url = URL
store-format-square = Čtverec 1080
store-format-story = Příběh
store-credit = Fotografie: soutěž o tapety Ubuntu (Debian lomiri-wallpapers-16.04), CC BY / CC BY-SA / CC0. Zdroje:
# $available: how many products the page offers in the shopper's market.
store-products =
    { COUNT($available) ->
        [one] Na vašem trhu je k dispozici { $available } produkt
        [few] Na vašem trhu jsou k dispozici { $available } produkty
        [many] Na vašem trhu je k dispozici { $available } produktu
       *[other] Na vašem trhu je k dispozici { $available } produktů
    }

## Shared by the pages

# $market: the market's name; $country: its code; $locale, $currency; $tax: inclusive or exclusive; $version: the policy version.
market-line =
    { $market } ({ $country }) · { $locale } · { $currency } · { $tax ->
        [inclusive] ceny včetně daně
       *[exclusive] ceny bez daně
    } · zásady { $version }

## Widget (functions/pages/widget/widget.js)

widget-tryon = Vyzkoušet
widget-tryon-unavailable = U tohoto produktu není virtuální zkoušení k dispozici.
widget-recommended = Doporučeno pro vás
widget-popular = Právě oblíbené

## Why a product is not offered (storefront and widget)

product-unknown = Produkt nenalezen
product-unknown-detail = Tento produkt není v katalogu obchodu.
blocked-embargoed = Obchodní sankce nedovolují prodávat tento produkt tam, kde se nacházíte.
blocked-territory-not-licensed = Tento produkt nemá licenci k prodeji ve vaší zemi.
blocked-category-restricted = Produkty tohoto druhu se ve vaší zemi nesmějí prodávat.
blocked-age-gate = Tento produkt lze prodat jen po ověření věku, které tu není k dispozici.
blocked-other = Tento produkt nelze ve vaší zemi nabízet.
