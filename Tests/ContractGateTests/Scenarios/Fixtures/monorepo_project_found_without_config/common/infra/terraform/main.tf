# warehouse infrastructure
