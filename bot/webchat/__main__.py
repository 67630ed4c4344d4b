from bot.webchat.server import main

main()
