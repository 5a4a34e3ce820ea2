## Try-on page

title = Essayage virtuel
storefront = Boutique
preview-alt = Aperçu de votre essayage
hint = Choisissez un produit, puis démarrez votre caméra ou importez une photo.
product = Produit
everyone = Habiller toutes les personnes de l'image
start = Démarrer la caméra
stop = Arrêter
upload = Importer une photo
still-heading = Garder une image
take-still = Prendre une image
download = Télécharger
share = Partager
still-note = Les images restent sur votre appareil : rien n'est envoyé pour le partage.
privacy = Votre vie privée
regions = Les images ne sont traitées que dans :
nothing-stored = Rien n'est conservé.
policy = Politique
any-region = toute région
price-on-request = prix sur demande
ask = Autoriser l'essayage virtuel ?
decline = Pas maintenant
allow = Autoriser
declined = L'essayage reste désactivé : rien n'a été envoyé. Vous pouvez recommencer à tout moment.
unreachable = Le service d'essayage est injoignable.
no-face = Aucun visage trouvé dans cette image : placez-vous face à la caméra, dans une bonne lumière.
no-camera = Ce navigateur n'a pas accès à la caméra ici : importez plutôt une photo.
camera-unavailable = La caméra n'est pas disponible : importez plutôt une photo.
unreadable = Ce fichier n'est pas une photo lisible par cette page (JPEG, PNG ou WebP).
upload-again = Importez à nouveau la photo pour essayer ce produit.
share-title = Mon essayage

## Storefront page

store-title = Boutique de démonstration Meridian
store-intro = Boutique de démonstration : chaque image est une déclinaison produite par un backend GPU régional et servie depuis le cache en périphérie.
unavailable = Non disponible sur votre marché
unavailable-why = Pourquoi ?
store-free-shipping = Livraison gratuite cette semaine
store-recommended = Recommandés
store-why-recommended = Pourquoi :
store-presets = Formats
store-preset = Format
store-url = URL
store-format-square = Carré 1080
store-format-story = Story
store-credit = Photos : concours de fonds d'écran Ubuntu (Debian lomiri-wallpapers-16.04), CC BY / CC BY-SA / CC0. Sources :
# $available: how many products the page offers in the shopper's market.
store-products =
    { COUNT($available) ->
        [one] { $available } produit disponible sur votre marché
        [many] { $available } de produits disponibles sur votre marché
       *[other] { $available } produits disponibles sur votre marché
    }

## Shared by the pages

# $market: the market's name; $country: its code; $locale, $currency; $tax: inclusive or exclusive; $version: the policy version.
market-line =
    { $market } ({ $country }) · { $locale } · { $currency } · { $tax ->
        [inclusive] prix TTC
       *[exclusive] prix HT
    } · politique { $version }

## Widget (functions/pages/widget/widget.js)

widget-tryon = Essayer
widget-tryon-unavailable = L'essayage virtuel n'est pas proposé pour ce produit.
widget-recommended = Recommandé pour vous
widget-popular = Populaire en ce moment

## Why a product is not offered (storefront and widget)

product-unknown = Produit introuvable
product-unknown-detail = Ce produit ne figure pas dans le catalogue de la boutique.
blocked-embargoed = Des sanctions commerciales interdisent la vente de ce produit là où vous vous trouvez.
blocked-territory-not-licensed = Ce produit n'est pas sous licence pour la vente dans votre pays.
blocked-category-restricted = Les produits de ce type ne peuvent pas être vendus dans votre pays.
blocked-age-gate = Ce produit ne peut être vendu qu'après une vérification de l'âge, qui n'est pas disponible ici.
blocked-other = Ce produit ne peut pas être proposé dans votre pays.
