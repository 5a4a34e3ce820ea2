# European Portuguese. This file overrides pt.ftl (Brazilian Portuguese) and
# lists only the messages whose wording differs in Portugal; every other
# message is read from pt.ftl.

## Try-on page

preview-alt = Pré-visualização do seu provador
hint = Escolha um produto e, depois, ligue a sua câmara ou carregue uma fotografia.
start = Ligar a câmara
upload = Carregar uma fotografia
download = Transferir
share = Partilhar
still-note = As imagens ficam no seu dispositivo: nada é carregado para partilhar.
privacy = A sua privacidade
nothing-stored = Nada é guardado.
declined = O provador continua desligado: nada foi enviado. Pode recomeçar a qualquer momento.
unreachable = Não foi possível aceder ao serviço do provador.
no-face = Não foi encontrado nenhum rosto nesta imagem: olhe para a câmara com boa iluminação.
no-camera = Este navegador não tem acesso à câmara aqui: carregue uma fotografia.
camera-unavailable = A câmara não está disponível: carregue uma fotografia.
unreadable = Esse ficheiro não é uma fotografia que esta página consiga ler (JPEG, PNG ou WebP).
upload-again = Carregue novamente a fotografia para experimentar este produto.
share-title = O meu provador

## Storefront page

store-intro = Loja de demonstração: cada imagem é uma versão criada por um back-end de GPU regional e servida a partir da cache na periferia da rede.
unavailable-why = Porquê?
store-free-shipping = Portes grátis esta semana
store-why-recommended = Porquê:
store-credit = Fotografias: concurso de fundos de ecrã do Ubuntu (Debian lomiri-wallpapers-16.04), CC BY / CC BY-SA / CC0. Fontes:

## Widget (functions/pages/widget/widget.js)

widget-recommended = Recomendado para si

## Why a product is not offered (storefront and widget)

blocked-embargoed = As sanções comerciais não permitem vender este produto no local onde se encontra.
