## Try-on page

title = Provador virtual
storefront = Loja
preview-alt = Prévia do seu provador
hint = Escolha um produto e depois ligue sua câmera ou envie uma foto.
product = Produto
everyone = Vestir todas as pessoas da imagem
start = Ligar câmera
stop = Parar
upload = Enviar uma foto
still-heading = Guardar uma imagem
take-still = Capturar imagem
download = Baixar
share = Compartilhar
still-note = As imagens ficam no seu dispositivo: nada é enviado para compartilhar.
privacy = Sua privacidade
regions = As imagens são processadas apenas em:
nothing-stored = Nada é armazenado.
policy = Política
any-region = qualquer região
price-on-request = preço sob consulta
ask = Permitir o provador virtual?
decline = Agora não
allow = Permitir
declined = O provador continua desligado: nada foi enviado. Você pode começar de novo a qualquer momento.
unreachable = Não foi possível acessar o serviço do provador.
no-face = Nenhum rosto encontrado nesta imagem: olhe para a câmera com boa iluminação.
no-camera = Este navegador não tem acesso à câmera aqui: envie uma foto.
camera-unavailable = A câmera não está disponível: envie uma foto.
unreadable = Esse arquivo não é uma foto que esta página consiga ler (JPEG, PNG ou WebP).
upload-again = Envie a foto novamente para provar este produto.
share-title = Meu provador

## Storefront page

store-title = Loja de demonstração Meridian
store-intro = Loja de demonstração: cada imagem é uma versão criada por um backend de GPU regional e servida pelo cache de borda.
unavailable = Indisponível no seu mercado
unavailable-why = Por quê?
store-free-shipping = Frete grátis esta semana
store-recommended = Recomendados
store-why-recommended = Por quê:
store-presets = Formatos
store-preset = Formato
store-url = URL
store-format-square = Quadrado 1080
store-format-story = Story
store-credit = Fotografias: concurso de papéis de parede do Ubuntu (Debian lomiri-wallpapers-16.04), CC BY / CC BY-SA / CC0. Fontes:
# $available: how many products the page offers in the shopper's market.
store-products =
    { COUNT($available) ->
        [one] { $available } produto disponível no seu mercado
        [many] { $available } de produtos disponíveis no seu mercado
       *[other] { $available } produtos disponíveis no seu mercado
    }

## Shared by the pages

# $market: the market's name; $country: its code; $locale, $currency; $tax: inclusive or exclusive; $version: the policy version.
market-line =
    { $market } ({ $country }) · { $locale } · { $currency } · { $tax ->
        [inclusive] preços com impostos incluídos
       *[exclusive] preços sem impostos
    } · política { $version }

## Widget (functions/pages/widget/widget.js)

widget-tryon = Experimentar
widget-tryon-unavailable = A prova virtual não está disponível para este produto.
widget-recommended = Recomendado para você
widget-popular = Popular agora

## Why a product is not offered (storefront and widget)

product-unknown = Produto não encontrado
product-unknown-detail = Este produto não está no catálogo da loja.
blocked-embargoed = Sanções comerciais não permitem vender este produto onde você está.
blocked-territory-not-licensed = Este produto não está licenciado para venda no seu país.
blocked-category-restricted = Produtos deste tipo não podem ser vendidos no seu país.
blocked-age-gate = Este produto só pode ser vendido após uma verificação de idade, que não está disponível aqui.
blocked-other = Este produto não pode ser oferecido no seu país.
