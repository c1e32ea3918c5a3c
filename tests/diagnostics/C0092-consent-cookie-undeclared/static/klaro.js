// the banner
