# Canadian French. This file overrides fr.ftl (France) and lists only the
# messages whose wording or typography differs in Canada (no space before
# ? ! ;, a space before :); every other message is read from fr.ftl.

## Try-on page

hint = Choisissez un produit, puis démarrez votre caméra ou téléversez une photo.
upload = Téléverser une photo
still-note = Les images restent sur votre appareil : rien n'est téléversé pour le partage.
ask = Autoriser l'essayage virtuel?
no-camera = Ce navigateur n'a pas accès à la caméra ici : téléversez plutôt une photo.
camera-unavailable = La caméra n'est pas disponible : téléversez plutôt une photo.
upload-again = Téléversez à nouveau la photo pour essayer ce produit.

## Storefront page

unavailable-why = Pourquoi?

## Shared by the pages

# $market: the market's name; $country: its code; $locale, $currency; $tax: inclusive or exclusive; $version: the policy version.
market-line =
    { $market } ({ $country }) · { $locale } · { $currency } · { $tax ->
        [inclusive] taxes incluses
       *[exclusive] taxes en sus
    } · politique { $version }
