## Try-on page

title = Prueba virtual
storefront = Tienda
preview-alt = Vista previa de tu prueba
hint = Elige un producto y luego activa tu cámara o sube una foto.
product = Producto
everyone = Vestir a todas las personas de la imagen
start = Activar cámara
stop = Detener
upload = Subir una foto
still-heading = Guardar una imagen
take-still = Capturar imagen
download = Descargar
share = Compartir
still-note = Las imágenes se quedan en tu dispositivo: no se sube nada para compartir.
privacy = Tu privacidad
regions = Las imágenes solo se procesan en:
nothing-stored = No se guarda nada.
policy = Política
any-region = cualquier región
price-on-request = precio a consultar
ask = ¿Permitir la prueba virtual?
decline = Ahora no
allow = Permitir
declined = La prueba sigue desactivada: no se ha enviado nada. Puedes empezar de nuevo cuando quieras.
unreachable = No se pudo contactar con el servicio de prueba.
no-face = No se encontró ninguna cara en esta imagen: mira a la cámara con buena luz.
no-camera = Este navegador no tiene acceso a la cámara aquí: sube una foto en su lugar.
camera-unavailable = La cámara no está disponible: sube una foto en su lugar.
unreadable = Ese archivo no es una foto que esta página pueda leer (JPEG, PNG o WebP).
upload-again = Vuelve a subir la foto para probar este producto.
share-title = Mi prueba

## Storefront page

store-title = Tienda de demostración de Meridian
store-intro = Tienda de demostración: cada imagen es una versión creada por un backend GPU regional y servida desde la caché perimetral.
unavailable = No disponible en tu mercado
unavailable-why = ¿Por qué?
store-free-shipping = Envío gratis esta semana
store-recommended = Recomendados
store-why-recommended = Por qué:
store-presets = Formatos
store-preset = Formato
store-url = URL
store-format-square = Cuadrado 1080
store-format-story = Historia
store-credit = Fotografías: concurso de fondos de pantalla de Ubuntu (Debian lomiri-wallpapers-16.04), CC BY / CC BY-SA / CC0. Fuentes:
# $available: how many products the page offers in the shopper's market.
store-products =
    { COUNT($available) ->
        [one] { $available } producto disponible en tu mercado
        [many] { $available } de productos disponibles en tu mercado
       *[other] { $available } productos disponibles en tu mercado
    }

## Shared by the pages

# $market: the market's name; $country: its code; $locale, $currency; $tax: inclusive or exclusive; $version: the policy version.
market-line =
    { $market } ({ $country }) · { $locale } · { $currency } · { $tax ->
        [inclusive] precios con impuestos incluidos
       *[exclusive] precios sin impuestos
    } · política { $version }

## Widget (functions/pages/widget/widget.js)

widget-tryon = Pruébatelo
widget-tryon-unavailable = La prueba virtual no está disponible para este producto.
widget-recommended = Recomendado para ti
widget-popular = Popular ahora

## Why a product is not offered (storefront and widget)

product-unknown = Producto no encontrado
product-unknown-detail = Este producto no está en el catálogo de la tienda.
blocked-embargoed = Las sanciones comerciales no permiten vender este producto donde te encuentras.
blocked-territory-not-licensed = Este producto no tiene licencia para venderse en tu país.
blocked-category-restricted = Los productos de este tipo no pueden venderse en tu país.
blocked-age-gate = Este producto solo puede venderse tras una verificación de edad, que aquí no está disponible.
blocked-other = Este producto no puede ofrecerse en tu país.
