# Latin American Spanish. This file overrides es.ftl (Spain) and lists only
# the messages whose wording differs in Latin America; every other message
# is read from es.ftl.

## Try-on page

declined = La prueba sigue desactivada: no se envió nada. Puedes volver a empezar cuando quieras.
unreachable = No se pudo conectar con el servicio de prueba.
no-face = No se detectó ningún rostro en esta imagen: mira a la cámara con buena luz.
price-on-request = consultar precio

## Why a product is not offered (storefront and widget)

blocked-age-gate = Este producto solo puede venderse después de una verificación de edad, que no está disponible aquí.
